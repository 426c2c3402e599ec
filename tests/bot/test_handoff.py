"""Human handoff: the queue in a real database, the brain in front of the bot, and the agents'
and web chat's routes through the real gateway app (with Rasa down, which is itself a reason
to hand a citizen over)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, text, update

from bot import agent_auth
from bot.app import create_app
from bot.brain import BotMessage
from bot.handoff.brain import (
    CLAIMED_TEXT,
    ENDED_TEXT,
    NO_AGENT_TEXT,
    HandoffBrain,
    mark_agents_seen,
)
from bot.handoff.desk import NONE_OPEN_TRUST_SECONDS, QUEUED, HandoffConflict, HandoffDesk, HandoffRow, Turn
from common.store import MemoryStore
from scripts.stack import free_port
from tests.bot.offline import settings_without_rasa

PASSWORD = secrets.token_urlsafe(12)
HANDOFF_REPLY: BotMessage = {"text": "需要人工服务，请拨打12345。", "custom": {"handoff": "requested"}}
NOT_UNDERSTOOD: BotMessage = {"text": "抱歉，我没太明白。", "custom": {"fallback": "not_understood"}}
NOT_SERVED: BotMessage = {"text": "这个我帮不上忙。", "custom": {"fallback": "out_of_scope"}}


MENU_BUTTONS = [
    {"title": "查账单", "payload": "/query_bill"},
    {"title": "转人工", "payload": "/human_handoff"},
]


class ScriptedBot:
    """Stands in for the Rasa brain: answers by exact text, and counts what reached it."""

    def __init__(self) -> None:
        self.heard: list[str] = []

    async def respond(self, sender: str, text: str) -> list[BotMessage]:
        self.heard.append(text)
        if text == "转人工":
            return [HANDOFF_REPLY]
        if text.startswith("？"):
            return [NOT_UNDERSTOOD]
        if text.startswith("闲聊"):
            return [NOT_SERVED]
        if text == "帮助":
            return [{"text": "请回复数字：", "buttons": MENU_BUTTONS}]
        return [{"text": f"机器人回答：{text}"}]


@pytest.fixture
def desk(tmp_path: Path) -> HandoffDesk:
    return HandoffDesk(f"sqlite:///{tmp_path / 'assistant.db'}", idle_minutes=30)


@pytest.fixture
def bot() -> ScriptedBot:
    return ScriptedBot()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def brain(bot: ScriptedBot, desk: HandoffDesk, store: MemoryStore) -> HandoffBrain:
    return HandoffBrain(bot, desk, store, after_failures=2)


def texts(messages: list[BotMessage]) -> str:
    return "\n".join(message.get("text", "") for message in messages)


async def test_asking_for_a_person_queues_the_chat_with_its_transcript(
    brain: HandoffBrain, desk: HandoffDesk, store: MemoryStore
) -> None:
    await mark_agents_seen(store)
    await brain.respond("web:a", "查水费")
    reply = await brain.respond("web:a", "转人工")
    assert "正在为您转接人工客服" in texts(reply) and "您是下一位" in texts(reply)
    assert HANDOFF_REPLY["text"] not in texts(reply)  # the bot's own "call 12345" answer is replaced
    assert reply[-1]["custom"]["handoff"] == QUEUED
    [item] = await desk.queue()
    assert item["channel"] == "web" and item["reason"] == "requested" and item["waiting"]
    _, messages = await desk.get(item["id"])
    assert [(m.author, m.text) for m in messages] == [
        ("citizen", "查水费"),
        ("bot", "机器人回答：查水费"),
        ("citizen", "转人工"),
        ("bot", reply[-1]["text"]),  # what the citizen was shown, not Rasa's "call 12345"
    ]


async def test_the_transcript_shows_the_numbered_choices_a_citizen_answered(
    brain: HandoffBrain, desk: HandoffDesk
) -> None:
    await brain.respond("web:menu", "帮助")
    await brain.respond("web:menu", "转人工")
    [item] = await desk.queue()
    _, messages = await desk.get(item["id"])
    assert messages[1].text.startswith("请回复数字：\n1. 查账单\n2. 转人工")


async def test_without_an_agent_online_nobody_is_promised_to_come(brain: HandoffBrain) -> None:
    await brain.respond("web:nobody", "转人工")
    waiting = await brain.respond("web:nobody", "我家水费翻倍了")
    assert "暂时不在线" in waiting[-1]["text"] and "马上就来" not in waiting[-1]["text"]


async def test_without_an_agent_online_the_citizen_is_told_so(brain: HandoffBrain) -> None:
    reply = await brain.respond("web:b", "转人工")
    assert reply[-1]["text"] == NO_AGENT_TEXT


async def test_bot_failing_twice_in_a_row_hands_over(brain: HandoffBrain, desk: HandoffDesk) -> None:
    before = REGISTRY.get_sample_value("gateway_handoffs_total", {"reason": "bot_failed"}) or 0.0
    assert "转接" not in texts(await brain.respond("web:c", "？一"))
    assert "转接" not in texts(await brain.respond("web:c", "你好"))  # an answer resets the count
    assert "转接" not in texts(await brain.respond("web:c", "？二"))
    reply = await brain.respond("web:c", "？三")
    assert reply[0] == NOT_UNDERSTOOD
    assert reply[-1]["text"].startswith("抱歉，我没能帮上您。")
    [item] = await desk.queue()
    assert item["reason"] == "bot_failed"
    assert REGISTRY.get_sample_value("gateway_handoffs_total", {"reason": "bot_failed"}) == before + 1


async def test_off_topic_chat_never_joins_the_queue(brain: HandoffBrain, desk: HandoffDesk) -> None:
    """ "红烧肉怎么做", "打电话给张三", "双色球开奖": declined each time, never an agent's job."""
    for message in ("闲聊一", "闲聊二", "闲聊三", "闲聊四"):
        assert "转接" not in texts(await brain.respond("web:chatty", message))
    assert await desk.queue() == []


async def test_queued_chat_waits_then_the_owner_alone_talks_and_the_bot_stays_silent(
    brain: HandoffBrain, bot: ScriptedBot, desk: HandoffDesk, store: MemoryStore
) -> None:
    await mark_agents_seen(store)
    await brain.respond("web:first", "转人工")
    await brain.respond("web:d", "转人工")
    waiting = await brain.respond("web:d", "我的水费不对")
    assert "您前面还有1位" in texts(waiting)
    [handoff_id] = [item["id"] for item in await desk.queue() if item["last_message"] == "我的水费不对"]
    heard = len(bot.heard)

    results = await asyncio.gather(
        desk.claim(handoff_id, "zhang"), desk.claim(handoff_id, "li"), return_exceptions=True
    )
    winners = [result for result in results if not isinstance(result, HandoffConflict)]
    assert len(winners) == 1
    owner = winners[0][0].agent
    with pytest.raises(HandoffConflict):
        await desk.claim(handoff_id, "li" if owner == "zhang" else "zhang")
    assert (await desk.claim(handoff_id, owner))[1] is False  # claiming one's own again changes nothing

    assert await brain.respond("web:d", "还在吗") == []
    assert len(bot.heard) == heard  # Rasa never saw the chat while a person owned it
    ended = await brain.respond("web:d", "结束。")
    assert ended == [{"text": ENDED_TEXT, "custom": {"handoff": "closed"}}]
    assert texts(await brain.respond("web:d", "你好")) == "机器人回答：你好"


async def test_web_updates_carry_agent_messages_after_the_cursor(
    brain: HandoffBrain, desk: HandoffDesk
) -> None:
    reply = await brain.respond("web:e", "转人工")
    cursor = reply[-1]["custom"]["handoff_cursor"]
    handoff = await desk.open_for("web:e")
    await desk.claim(handoff.id, "zhang")
    await desk.add(handoff, "system", CLAIMED_TEXT)
    await desk.add(handoff, "agent", "您好，请讲。", "zhang")
    state, messages, new_cursor = await desk.updates("web:e", cursor)
    assert state.status == "claimed"
    assert [m.text for m in messages] == [CLAIMED_TEXT, "您好，请讲。"]
    assert (await desk.updates("web:e", new_cursor))[1] == []


async def test_an_idle_handoff_closes_itself(tmp_path: Path, bot: ScriptedBot, store: MemoryStore) -> None:
    desk = HandoffDesk(f"sqlite:///{tmp_path / 'idle.db'}", idle_minutes=0)
    brain = HandoffBrain(bot, desk, store, after_failures=2)
    await brain.respond("web:f", "转人工")
    assert texts(await brain.respond("web:f", "你好")) == "机器人回答：你好"
    assert await desk.queue() == []


async def test_a_chat_left_idle_in_the_queue_does_not_count_as_ahead(
    brain: HandoffBrain, store: MemoryStore, tmp_path: Path
) -> None:
    await mark_agents_seen(store)
    await brain.respond("web:gone", "转人工")
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with create_engine(f"sqlite:///{tmp_path / 'assistant.db'}").begin() as connection:
        connection.execute(update(HandoffRow).values(last_activity_at=hour_ago))
    assert "您是下一位" in texts(await brain.respond("web:next", "转人工"))


async def test_a_database_that_is_down_leaves_the_bot_answering(bot: ScriptedBot, store: MemoryStore) -> None:
    desk = HandoffDesk(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none", idle_minutes=30)
    brain = HandoffBrain(bot, desk, store, after_failures=2)
    assert await brain.respond("web:g", "转人工") == [HANDOFF_REPLY]


def test_the_queue_works_on_postgresql(tmp_path: Path) -> None:
    """Deployments keep the queue in PostgreSQL; the claim race must hold there too."""
    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    name = f"handoff_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception as error:  # the machine's PostgreSQL is a stated part of CI
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is needed: {error}")
    try:
        desk = HandoffDesk(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", idle_minutes=30)
        brain = HandoffBrain(ScriptedBot(), desk, MemoryStore(), after_failures=2)

        async def scenario() -> list[Any]:
            await brain.respond("wechat:o1", "转人工")
            handoff = await desk.open_for("wechat:o1")
            return await asyncio.gather(
                *(desk.claim(handoff.id, f"agent{n}") for n in range(6)), return_exceptions=True
            )

        results = asyncio.run(scenario())
        assert sum(not isinstance(result, HandoffConflict) for result in results) == 1
    finally:
        create_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}").dispose()
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))


@pytest.fixture
def gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The real app with Rasa down: every answer is the "busy" error, so two messages hand over."""
    monkeypatch.setenv("KB_PRELOAD", "0")
    monkeypatch.setenv(
        "AGENT_USERS", f"zhang:{agent_auth.hash_password(PASSWORD)},li:{agent_auth.hash_password(PASSWORD)}"
    )
    with TestClient(create_app(settings_without_rasa(tmp_path)), raise_server_exceptions=False) as client:
        yield client


def login(client: TestClient, user: str) -> dict[str, str]:
    response = client.post("/api/agent/login", json={"user": user, "password": PASSWORD})
    assert response.status_code == 200
    return dict(response.cookies)


def chat(client: TestClient, sender: str, message: str) -> list[dict[str, Any]]:
    return client.post("/api/chat", json={"sender": sender, "message": message}).json()["messages"]


def test_agent_routes_claim_reply_and_hand_back(gateway: TestClient) -> None:
    zhang, li = login(gateway, "zhang"), login(gateway, "li")
    gateway.cookies.clear()
    assert gateway.get("/api/agent/handoffs").status_code == 401
    assert gateway.get("/api/agent/handoffs", cookies=zhang).json() == {"items": []}  # an agent is online now

    start = gateway.get("/api/chat/updates", params={"sender": "w1"}).json()
    assert start == {"handoff": None, "messages": [], "cursor": 0}
    chat(gateway, "w1", "查电费")
    handed = chat(gateway, "w1", "查电费")
    assert "转接人工客服" in handed[-1]["text"] and handed[-1]["custom"]["handoff"] == "queued"
    cursor = handed[-1]["custom"]["handoff_cursor"]

    [item] = gateway.get("/api/agent/handoffs", cookies=zhang).json()["items"]
    assert item["reason"] == "bot_failed" and item["last_message"] == "查电费"
    transcript = gateway.get(f"/api/agent/handoffs/{item['id']}", cookies=zhang).json()
    assert [m["author"] for m in transcript["messages"]] == ["citizen", "bot", "citizen", "bot", "bot"]

    reply_url = f"/api/agent/handoffs/{item['id']}/reply"
    assert gateway.post(reply_url, json={"text": "您好"}, cookies=zhang).json()["error"] == "not_owner"
    assert gateway.post(f"/api/agent/handoffs/{item['id']}/claim", cookies=zhang).status_code == 200
    taken = gateway.post(f"/api/agent/handoffs/{item['id']}/claim", cookies=li)
    assert taken.status_code == 409 and taken.json()["message"] == "这个会话已由坐席 zhang 接待。"
    assert gateway.post(reply_url, json={"text": "您好"}, cookies=li).status_code == 403
    sent = gateway.post(
        reply_url, json={"text": "您好，我是人工客服，您的电费我来查。"}, cookies=zhang
    ).json()
    assert sent["delivered"] is True

    assert chat(gateway, "w1", "好的谢谢") == []  # the bot is silent while zhang owns the chat
    updates = gateway.get("/api/chat/updates", params={"sender": "w1", "after": cursor}).json()
    assert updates["handoff"] == "claimed"
    assert [m["text"] for m in updates["messages"]] == [CLAIMED_TEXT, "您好，我是人工客服，您的电费我来查。"]
    assert [m["custom"]["author"] for m in updates["messages"]] == ["system", "agent"]

    closed = gateway.post(reply_url, json={"text": "结束"}, cookies=zhang)
    assert closed.json()["handoff"]["status"] == "closed"
    final = gateway.get("/api/chat/updates", params={"sender": "w1", "after": updates["cursor"]}).json()
    assert final["handoff"] is None and "智能助手继续为您服务" in final["messages"][-1]["text"]
    assert gateway.get("/api/agent/handoffs", cookies=zhang).json() == {"items": []}
    assert gateway.post(reply_url, json={"text": "还在吗"}, cookies=zhang).status_code == 409
    assert gateway.post("/api/agent/handoffs/999/claim", cookies=zhang).status_code == 404


def test_without_agents_there_is_no_handoff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_PRELOAD", "0")
    monkeypatch.delenv("AGENT_USERS", raising=False)
    with TestClient(create_app(settings_without_rasa(tmp_path))) as client:
        for _ in range(3):
            assert "handoff" not in chat(client, "w2", "查电费")[-1].get("custom", {})
        assert client.get("/api/chat/updates", params={"sender": "w2"}).json()["handoff"] is None


def test_stored_times_are_utc(desk: HandoffDesk) -> None:
    async def scenario() -> datetime:
        await HandoffBrain(ScriptedBot(), desk, MemoryStore(), 2).respond("web:h", "转人工")
        return (await desk.open_for("web:h")).created_at

    assert asyncio.run(scenario()).tzinfo == UTC


async def test_a_handoff_this_process_opens_is_seen_at_once(desk: HandoffDesk) -> None:
    assert await desk.open_for("web:i") is None  # nothing open anywhere: trusted for a second
    await desk.open("web:i", "requested", [Turn("citizen", "转人工", datetime.now(UTC))])
    found = await desk.open_for("web:i")
    assert found is not None and found.status == QUEUED


async def test_another_workers_handoff_is_seen_within_the_trusted_second(tmp_path: Path) -> None:
    """Two gateway workers on one database: most messages skip the query while no chat at all
    is handed off; another worker's new handoff is seen once the second has passed."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    this_worker, other_worker = HandoffDesk(url), HandoffDesk(url)
    assert await this_worker.open_for("web:j") is None
    await other_worker.open("web:j", "requested", [Turn("citizen", "转人工", datetime.now(UTC))])
    assert await this_worker.open_for("web:j") is None  # within the second: not asked again
    await asyncio.sleep(NONE_OPEN_TRUST_SECONDS + 0.1)
    found = await this_worker.open_for("web:j")
    assert found is not None and found.sender == "web:j"
    # While a chat is handed off, every message asks again.
    assert await this_worker.open_for("web:k") is None
    assert (await this_worker.open_for("web:j")) is not None
