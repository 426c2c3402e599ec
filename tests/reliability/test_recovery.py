"""kill -9 of one process of the real stack: supervisord starts it again by itself, the others
keep serving, and citizens get a polite answer to every message in the gap, never an empty
reply. A process that hangs (SIGSTOP: alive, silent) is restarted by its watchdog the same way. A half-finished form survives a restart of Rasa (conversations are in SQLite).

One stack of its own for the module (the session's stack must not see processes die)."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.brain import BUSY_MESSAGE
from scripts.stack import Stack

pytestmark = pytest.mark.e2e
BILL = "86.40"


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack.on_free_ports(
        tmp_path_factory.mktemp("reliability"),
        LOG_LEVEL="WARNING",
        # The processes' shared secrets on, as a city runs them: restarts must keep them working.
        RASA_AUTH_TOKEN=secrets.token_urlsafe(16),
        ACTION_SERVER_TOKEN=secrets.token_urlsafe(16),
    )
    model = os.environ.get("STACK_MODEL")
    stack.start(Path(model) if model else None)
    try:
        yield stack
    finally:
        stack.stop()


class Citizen:
    def __init__(self, gateway_url: str) -> None:
        self._http = httpx.Client(base_url=gateway_url, timeout=30)
        self.sender = f"rel-{uuid.uuid4().hex[:10]}"

    def say(self, message: str) -> str:
        """The reply's text; fails on anything but a 200 with something to read."""
        response = self._http.post("/api/chat", json={"sender": self.sender, "message": message})
        assert response.status_code == 200, response.text
        messages = response.json()["messages"]
        assert messages and all(item.get("text") or item.get("buttons") for item in messages), messages
        return "\n".join(item.get("text", "") for item in messages)


def ask_bills_until_answered(stack: Stack, limit_seconds: float) -> tuple[float, list[str]]:
    """A new citizen asks for a bill every half second until one gets it; returns the seconds it
    took and every reply in the gap (each already checked to be a readable 200)."""
    started = time.monotonic()
    replies = []
    while time.monotonic() - started < limit_seconds:
        reply = Citizen(stack.gateway_url).say("查水费 3100012345")
        if BILL in reply:
            return time.monotonic() - started, replies
        replies.append(reply)
        time.sleep(0.5)
    raise AssertionError(f"no bill answered within {limit_seconds} s; replies: {replies[-3:]}")


def polite(reply: str) -> bool:
    return reply == BUSY_MESSAGE or "稍后再试" in reply or "12345" in reply


def test_killed_action_server_comes_back_by_itself(own_stack: Stack) -> None:
    assert BILL in Citizen(own_stack.gateway_url).say("查水费 3100012345")
    old = own_stack.kill("actions")
    # How fast is the fault drill's figure (benchmarks/faults.py); here: back by itself, politely.
    _seconds, gap = ask_bills_until_answered(own_stack, 90)
    assert own_stack.pid("actions") not in (0, old)
    assert all(polite(reply) for reply in gap), gap
    assert own_stack.is_healthy("sandbox") and own_stack.is_healthy("rasa")


def test_killed_sandbox_comes_back_by_itself(own_stack: Stack) -> None:
    old = own_stack.kill("sandbox")
    gap = [Citizen(own_stack.gateway_url).say("查水费 3100012345") for _ in range(2)]
    own_stack.wait_healthy("sandbox", 60)
    assert own_stack.pid("sandbox") not in (0, old)
    # The department's circuit breaker may keep answering "busy" until it closes again; the
    # sandbox may also be back (in about a second) before the second message of the gap.
    _seconds, more = ask_bills_until_answered(own_stack, 60)
    assert all(polite(reply) or BILL in reply for reply in gap + more), gap + more


def test_a_hung_sandbox_is_restarted_by_its_watchdog(own_stack: Stack) -> None:
    assert BILL in Citizen(own_stack.gateway_url).say("查水费 3100012345")
    own_stack.wait_healthy("sandbox", 60)
    time.sleep(12)  # the watchdog watches a process once it saw it answer (5-second ticks)
    hung = own_stack.pid("sandbox")
    os.kill(hung, signal.SIGSTOP)
    try:
        _seconds, gap = ask_bills_until_answered(own_stack, 150)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(hung, signal.SIGCONT)
    assert own_stack.pid("sandbox") not in (0, hung)
    assert gap and all(polite(reply) for reply in gap), gap


def test_a_half_finished_form_survives_a_restart_of_rasa(own_stack: Stack) -> None:
    citizen = Citizen(own_stack.gateway_url)
    assert "户号" in citizen.say("查水费")
    own_stack.restart("rasa")
    # Rasa takes 20 s or more to load: meanwhile the gateway answers busy, politely.
    assert Citizen(own_stack.gateway_url).say("你好") == BUSY_MESSAGE
    own_stack.wait_healthy("rasa", 120)
    assert BILL in citizen.say("3100012345")
