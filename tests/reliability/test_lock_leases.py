"""Rasa's lock store as the stack runs it with Redis (scripts/rasa_lock_store.py), in Rasa's own
environment against the real Redis: a Rasa killed in the middle of a citizen's message must not
hold that citizen's conversation for Rasa's minute (the other instance answered the citizen
"busy" all that time), and a Rasa that is alive must keep the conversation however long its
message takes, or two instances would handle one citizen's messages at once. Skipped where no
Redis runs on 127.0.0.1:6379."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import Iterator

import pytest
import redis

from scripts.stack import PROJECT_ROOT, RASA_PYTHON

REDIS_DB = 9  # this module's own
LEASE_SECONDS = 1.0
# A process of Rasa's environment holding one conversation's lock: prints "held" once it has
# the lock, holds it HOLD seconds (or until killed), then prints "released".
HOLDER = """
import asyncio, sys, time
from rasa.utils.endpoints import EndpointConfig
from scripts.rasa_lock_store import LeasedRedisLockStore
conversation, hold, lease, db, give_up = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
store = LeasedRedisLockStore(EndpointConfig(url="127.0.0.1", port=6379, db=db, key_prefix="test", lease_seconds=lease))
async def main():
    async def hold_it():
        async with store.lock(conversation):
            print("held", time.time(), flush=True)
            await asyncio.sleep(hold)
            print("released", time.time(), flush=True)
    await asyncio.wait_for(hold_it(), give_up)
try:
    asyncio.run(main())
except asyncio.TimeoutError:
    print("gave up", flush=True)
"""
# Rasa's own ticket lifetime: a dead holder's ticket blocked the conversation this long.
RASA_TICKET_LIFETIME_SECONDS = 60.0


@pytest.fixture
def conversation() -> Iterator[str]:
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    name = f"citizen-{uuid.uuid4().hex[:8]}"
    yield name
    client.delete(f"test:lock:{name}")


def holder(conversation: str, hold_seconds: float, give_up_seconds: float = 120.0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            str(RASA_PYTHON),
            "-c",
            HOLDER,
            conversation,
            str(hold_seconds),
            str(LEASE_SECONDS),
            str(REDIS_DB),
            str(give_up_seconds),
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYTHONWARNINGS": "ignore"},
        stdout=subprocess.PIPE,
        text=True,
    )


def first_line(process: subprocess.Popen[str]) -> list[str]:
    assert process.stdout is not None
    return process.stdout.readline().split()


def test_a_killed_holder_frees_the_conversation_long_before_rasas_ticket_lifetime(conversation: str) -> None:
    dead = holder(conversation, hold_seconds=600)
    assert first_line(dead)[0] == "held"
    os.kill(dead.pid, signal.SIGKILL)  # killed mid-message: its ticket is never given back
    dead.wait()
    # The next message of the conversation, on another instance, gets the lock; with Rasa's own
    # tickets it would still be waiting when it gives up (before Rasa's 60 s lifetime ends).
    survivor = holder(conversation, hold_seconds=0, give_up_seconds=RASA_TICKET_LIFETIME_SECONDS / 2)
    output, _ = survivor.communicate(timeout=120)
    assert output.split()[0] == "held", output


def test_a_live_holder_keeps_the_conversation_past_its_lease(conversation: str) -> None:
    """A message that takes several leases (a slow department) is never overtaken."""
    slow = holder(conversation, hold_seconds=LEASE_SECONDS * 4)
    assert first_line(slow)[0] == "held"
    waiting = holder(conversation, hold_seconds=0)
    slow_output, _ = slow.communicate(timeout=120)
    waiting_output, _ = waiting.communicate(timeout=120)
    released_at = float(slow_output.split()[1])
    acquired_at = float(waiting_output.split()[1])
    assert waiting_output.split()[0] == "held"
    assert acquired_at >= released_at, "the second message was handled while the first still was"


def test_the_lock_is_gone_once_every_message_is_done(conversation: str) -> None:
    for _ in range(2):
        done = holder(conversation, hold_seconds=0)
        output, _ = done.communicate(timeout=120)
        assert output.split()[::2] == ["held", "released"]
    assert not redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).exists(f"test:lock:{conversation}")
