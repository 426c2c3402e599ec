"""Two Rasa instances (RASA_INSTANCES=2) on Redis's tracker and lock stores: kill -9 of one and
the citizens go on without a gap, a half-finished form included, while supervisord brings the
dead one back. Skipped where no Redis runs on 127.0.0.1:6379 (a fresh machine); CI has one."""

from __future__ import annotations

import os
import secrets
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from scripts.stack import Stack
from tests.reliability.test_recovery import BILL, Citizen, polite

pytestmark = pytest.mark.e2e
REDIS_URL = "redis://127.0.0.1:6379/11"  # db 11 and 12 (the lock store): this module's own


@pytest.fixture(scope="module")
def two_rasa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).flushdb()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    stack = Stack.on_free_ports(
        tmp_path_factory.mktemp("two-rasa"),
        LOG_LEVEL="WARNING",
        RASA_INSTANCES="2",
        REDIS_URL=REDIS_URL,
        AGENT_SESSION_SECRET=secrets.token_hex(32),
        SANDBOX_FAULTS_ENABLED="true",
    )
    model = os.environ.get("STACK_MODEL")
    stack.start(Path(model) if model else None)
    try:
        yield stack
    finally:
        stack.stop()


def test_one_dead_rasa_instance_leaves_no_gap(two_rasa: Stack) -> None:
    citizens = [Citizen(two_rasa.gateway_url) for _ in range(6)]
    halfway = citizens[0]
    assert "电费户号" in halfway.say("查电费")
    for citizen in citizens[1:]:
        assert BILL in citizen.say("查水费 3100012345")
    dead = two_rasa.kill("rasa")
    # Every citizen, whichever instance was theirs, is answered by the living one right away.
    replies = [citizen.say("查水费 3100012345") for citizen in citizens[1:]]
    assert all(BILL in reply or polite(reply) for reply in replies), replies
    assert sum(BILL in reply for reply in replies) >= len(replies) - 1  # at most the one in flight
    again = [Citizen(two_rasa.gateway_url).say("查水费 3100012345") for _ in range(4)]
    assert all(BILL in reply for reply in again), again
    # The half-finished bill query goes on where it was, on the other instance.
    assert "已缴" in halfway.say("0531880001")
    two_rasa.wait_healthy("rasa", 180)
    assert two_rasa.pid("rasa") not in (0, dead)


def test_a_message_in_flight_when_its_instance_dies_is_answered_by_the_other(two_rasa: Stack) -> None:
    """Killed while it handled a citizen's message (the water company slow to answer): Rasa
    had stored nothing of it, so the gateway hands the message to the other instance, which
    answers it once, instead of the citizen being told "busy" and asking again."""
    two_rasa.wait_healthy("rasa", 300)
    citizen = next(
        candidate
        for candidate in (Citizen(two_rasa.gateway_url) for _ in range(64))
        if zlib.crc32(f"web:{candidate.sender}".encode()) % 2 == 0  # its instance is `rasa`
    )
    assert "电费户号" in citizen.say("查电费")
    replies: list[str] = []
    with two_rasa.sandbox_client() as sandbox:
        sandbox.post("/_faults/utility", json={"mode": "slow", "delay_seconds": 2.5}).raise_for_status()
        asking = threading.Thread(target=lambda: replies.append(citizen.say("0531880001")))
        asking.start()
        time.sleep(1.2)  # the bill query is at the water company, within Rasa's handling of it
        two_rasa.kill("rasa")
        sandbox.delete("/_faults").raise_for_status()
        asking.join(timeout=60)
    assert replies and "已缴" in replies[0], replies
    token = two_rasa.env["RASA_AUTH_TOKEN"]
    tracker = httpx.get(
        f"{two_rasa.rasa_urls[1]}/conversations/web:{citizen.sender}/tracker",
        params={"include_events": "ALL", "token": token},
        timeout=30,
    ).json()
    texts = [event.get("text") for event in tracker["events"] if event.get("event") == "user"]
    assert texts.count("0531880001") == 1, texts
    two_rasa.wait_healthy("rasa", 300)
