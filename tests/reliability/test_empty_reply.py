"""The gateway never gives an empty reply: Rasa answering nothing (the action server down, an
action that uttered nothing), Rasa refusing connections or timing out all become the polite
busy answer, never an empty list and never a 500."""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from bot.app import create_app
from bot.brain import BUSY_MESSAGE
from bot.rasa_brain import EMPTY_MESSAGE, RasaBrain
from bot.rasa_client import RasaClient, RasaUnavailable
from common.store import MemoryStore
from scripts.stack import free_port
from tests.bot.offline import settings_without_rasa
from tests.reliability.fakes import FakeRasa
from tests.servers import serve

BUSY = {"text": BUSY_MESSAGE, "custom": {"error": "assistant_unavailable"}}


class ScriptedRasa:
    """A RasaClient stand-in answering each message with the next scripted reply."""

    def __init__(self, *replies: Any) -> None:
        self.replies = list(replies)

    async def send_message(self, sender: str, message: str) -> Any:
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def empty_replies(channel: str = "web") -> float:
    return REGISTRY.get_sample_value("gateway_rasa_empty_replies_total", {"channel": channel}) or 0.0


@pytest.mark.parametrize(
    "raw",
    [
        [],  # the action server is down: Rasa logs the failed call and says nothing
        [{"recipient_id": "web:1"}],
        [{"recipient_id": "web:1", "custom": {"kb_id": "passport"}}],  # data, nothing to read
        [{"recipient_id": "web:1", "text": ""}],
        {"error": "not a list"},
    ],
)
async def test_nothing_to_show_answers_busy_and_is_counted(raw: Any) -> None:
    before = empty_replies()
    messages = await RasaBrain(ScriptedRasa(raw), MemoryStore()).respond("web:1", "查水费")  # type: ignore[arg-type]
    assert messages == [BUSY]
    assert empty_replies() == before + 1


async def test_a_real_answer_passes_untouched() -> None:
    before = empty_replies()
    brain = RasaBrain(ScriptedRasa([{"text": "好的"}]), MemoryStore())  # type: ignore[arg-type]
    assert await brain.respond("web:1", "你好") == [{"text": "好的"}]
    assert empty_replies() == before


async def test_buttons_alone_are_an_answer() -> None:
    reply = [{"buttons": [{"title": "水费", "payload": "/inform"}]}]
    brain = RasaBrain(ScriptedRasa(reply), MemoryStore())  # type: ignore[arg-type]
    assert (await brain.respond("web:1", "查账单"))[0]["buttons"][0]["title"] == "水费"


async def test_rasa_unavailable_answers_busy() -> None:
    brain = RasaBrain(ScriptedRasa(RasaUnavailable("refused")), MemoryStore())  # type: ignore[arg-type]
    assert await brain.respond("web:1", "查水费") == [BUSY]


async def test_refused_connection_and_timeout_are_rasa_unavailable() -> None:
    refused = RasaClient(f"http://127.0.0.1:{free_port()}", timeout_seconds=1)
    with pytest.raises(RasaUnavailable):
        await refused.send_message("web:1", "你好")
    assert await refused.is_ready() is False
    await refused.close()

    hanging = FastAPI()

    @hanging.post("/webhooks/rest/webhook")
    async def never_answers() -> list[Any]:
        await asyncio.sleep(30)
        return []

    with serve(hanging) as url:
        slow = RasaClient(url, timeout_seconds=0.5)
        with pytest.raises(RasaUnavailable, match="Timeout"):
            await slow.send_message("web:1", "你好")
        await slow.close()


async def test_a_message_goes_to_another_rasa_only_when_the_first_never_got_it() -> None:
    """Several instances (RASA_INSTANCES): a refused connection moves on (nothing was sent); a
    timeout does not, since that instance may be processing the message."""
    heard: list[str] = []
    answering, hanging = FastAPI(), FastAPI()

    @answering.post("/webhooks/rest/webhook")
    async def answer(body: dict[str, Any]) -> list[dict[str, str]]:
        heard.append(body["message"])
        return [{"text": "您好"}]

    @hanging.post("/webhooks/rest/webhook")
    async def hang(body: dict[str, Any]) -> list[Any]:
        heard.append(body["message"])
        await asyncio.sleep(30)
        return []

    dead = f"http://127.0.0.1:{free_port()}"
    with serve(answering) as alive, serve(hanging) as slow:
        for sender in ("web:a", "web:b", "web:c", "web:d"):
            client = RasaClient(f"{dead},{alive}", timeout_seconds=2)
            assert await client.send_message(sender, sender) == [{"text": "您好"}]
            assert await client.is_ready() is False  # no /status on the stand-ins
            await client.close()
        assert heard == ["web:a", "web:b", "web:c", "web:d"]
        stuck = RasaClient(f"{slow},{alive}", timeout_seconds=0.5)
        sender = next(f"web:{n}" for n in range(100) if zlib.crc32(f"web:{n}".encode()) % 2 == 0)
        with pytest.raises(RasaUnavailable, match="Timeout"):
            await stuck.send_message(sender, "挂起")  # its instance is the hanging one
        await stuck.close()
    assert heard.count("挂起") == 1


def test_gateway_answers_busy_when_rasa_says_nothing(tmp_path: Path) -> None:
    fake = FakeRasa()
    fake.replies = [[], [{"text": "您好"}]]
    with serve(fake.app) as rasa_url:
        settings = replace(settings_without_rasa(tmp_path), rasa_url=rasa_url)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            empty = client.post("/api/chat", json={"sender": "a", "message": "查水费"})
            normal = client.post("/api/chat", json={"sender": "a", "message": "你好"})
    assert empty.status_code == 200 and empty.json()["messages"] == [BUSY]
    assert normal.json()["messages"] == [{"text": "您好"}]


def test_gateway_answers_busy_when_rasa_refuses_connections(tmp_path: Path) -> None:
    with TestClient(create_app(settings_without_rasa(tmp_path)), raise_server_exceptions=False) as client:
        for message in ["查水费", "3100012345", "1"]:
            response = client.post("/api/chat", json={"sender": "a", "message": message})
            assert response.status_code == 200
            assert response.json()["messages"] == [BUSY]


@pytest.mark.parametrize("text", ["。", "！！！", "...", " ？？ ", "\u3000，，"])
async def test_a_message_of_only_punctuation_is_answered_without_guessing(text: str) -> None:
    """NLU can only guess at these: one model read "。" as a complaint, another "!!!" as a yes to
    a booking's confirmation. Rasa is not asked (no scripted reply to pop)."""
    brain = RasaBrain(ScriptedRasa(), MemoryStore())  # type: ignore[arg-type]
    assert await brain.respond("web:1", text) == [{"text": EMPTY_MESSAGE}]


async def test_an_emoji_still_reaches_rasa() -> None:
    brain = RasaBrain(ScriptedRasa([{"text": "好的"}]), MemoryStore())  # type: ignore[arg-type]
    assert await brain.respond("web:1", "👍") == [{"text": "好的"}]
