"""Two Rasa instances (RASA_INSTANCES=2) on Redis's tracker and lock stores: kill -9 of one and
the citizens go on without a gap, a half-finished form included, while supervisord brings the
dead one back. Skipped where no Redis runs on 127.0.0.1:6379 (a fresh machine); CI has one."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

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
