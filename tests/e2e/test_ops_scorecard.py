"""The 12345 centre's scorecard against the real stack: citizens talk on the web and in
Alipay (a fallback, a clarification picked by number, a handoff, a complaint), then the
figures of GET /api/ops/scorecard are compared with counts made here, independently, from the
stored conversations (Rasa's SQLite tracker store, read with sqlite3) and the handoff table.
Also: only supervisors get the figures (401 / 403 in the JSON error shape, in Chinese), CSV
exports carry a BOM and no whole phone number."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from actions.guides.replies import CLARIFY_TEXT
from analytics.period import Period
from common.time_words import city_today
from scripts.stack import Stack
from tests.alipay.fake_alipay import FORM, form_body
from tests.conftest import AlipayPlatform, StackAgent
from tests.e2e.chat import WebCitizen
from tests.e2e.test_hotspots import report

pytestmark = pytest.mark.e2e
CHINESE = re.compile(r"[\u4e00-\u9fff]")
FILED = re.compile(r"已受理！工单号：(12345-\d{8}-\d{4})")
PHONE = "13912345678"
ALIPAY_USER = "2088000000007701"
OPS_PATHS = (
    "/api/ops/scorecard",
    "/api/ops/unanswered",
    "/api/ops/hotspots",
    "/api/ops/scorecard.csv",
    "/api/ops/trend.csv",
    "/api/ops/categories.csv",
    "/api/ops/unanswered.csv",
    "/api/ops/marked-wrong.csv",
    "/api/ops/hotspots.csv",
)


@contextmanager
def login(stack: Stack, agent: StackAgent) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=60) as client:
        response = client.post("/api/agent/login", json={"user": agent.user, "password": agent.password})
        assert response.status_code == 200, response.text
        yield client


def channel(sender: str) -> str:
    prefix = sender.partition(":")[0]
    return prefix if prefix in ("web", "wechat", "alipay") else "other"


def counted_from_the_store(stack: Stack, period: Period) -> dict[str, dict[str, int]]:
    """The scorecard's figures counted straight from the stored rows, with none of its code:
    sessions, citizen messages, replies marked as fallbacks, clarification texts and the
    choice taken, tickets the citizen was told were accepted, handoffs by reason, paid orders."""
    start, end = period.start.timestamp(), period.end.timestamp()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    uri = f"file:{stack.state_dir / 'conversations.db'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        rows = db.execute(
            "SELECT sender_id, type_name, data FROM events WHERE timestamp >= ? AND timestamp < ? ORDER BY id",
            (start, end),
        ).fetchall()
    by_sender: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for sender, type_name, data in rows:
        by_sender[sender].append((type_name, json.loads(data)))
    for sender, events in by_sender.items():
        figures, all_figures = counts[channel(sender)], counts["all"]
        sessions: set[int] = set()
        session, user_seen, fallback, offered = 0, False, False, None
        tickets: set[str] = set()
        for type_name, data in [*events, ("user", {"text": None})]:
            if type_name == "session_started":
                session += 1
            elif type_name == "user":
                if user_seen:
                    for target in (figures, all_figures):
                        target["fallbacks"] += fallback
                if offered is not None and data["text"] is not None:
                    for target in (figures, all_figures):
                        target["clarifications_first_choice"] += data["text"] == offered
                if data["text"] is None:
                    break
                user_seen, fallback, offered = True, False, None
                sessions.add(session)
                for target in (figures, all_figures):
                    target["messages"] += 1
            elif type_name == "bot" and user_seen:
                custom = (data.get("data") or {}).get("custom") or {}
                fallback = fallback or bool(custom.get("fallback"))
                if data.get("text") == CLARIFY_TEXT:
                    for target in (figures, all_figures):
                        target["clarifications"] += 1
                    offered = data["data"]["buttons"][0]["payload"]
                tickets.update(FILED.findall(data.get("text") or ""))
        for target in (figures, all_figures):
            target["conversations"] += len(sessions)
            target["tickets"] += len(tickets)
    with sqlite3.connect(f"file:{stack.state_dir / 'assistant.db'}?mode=ro", uri=True) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        handoffs = "SELECT sender, reason, created_at FROM assistant_handoffs"
        for sender, reason, created_at in db.execute(handoffs):
            if start <= datetime.fromisoformat(created_at).replace(tzinfo=UTC).timestamp() < end:
                for target in (counts[channel(sender)], counts["all"]):
                    target["handoffs"] += 1
                    target[f"handoffs_{reason}"] += 1
        paid = "SELECT sender, created_at FROM assistant_payment_orders WHERE status = 'paid'"
        for sender, created_at in db.execute(paid) if "assistant_payment_orders" in tables else []:
            if start <= datetime.fromisoformat(created_at).replace(tzinfo=UTC).timestamp() < end:
                for target in (counts[channel(sender)], counts["all"]):
                    target["payments"] += 1
    return counts


def alipay_says(stack: Stack, platform: AlipayPlatform, text: str, msg_id: str) -> str:
    before = len(platform.fake.texts_to(ALIPAY_USER))
    message = platform.simulator.text(ALIPAY_USER, text, msg_id=msg_id)
    httpx.post(f"{stack.gateway_url}/alipay", content=form_body(message), headers=FORM, timeout=30)
    deadline = time.monotonic() + 60
    while len(platform.fake.texts_to(ALIPAY_USER)) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    return platform.fake.texts_to(ALIPAY_USER)[-1]


def test_the_scorecard_matches_the_stored_conversations(
    stack: Stack, stack_agent: StackAgent, stack_alipay: AlipayPlatform
) -> None:
    web = WebCitizen(stack.gateway_url)
    assert "您好" in web.say_text("你好")
    web.say_text(f"无人机飞行要去哪里报备，我电话{PHONE}")
    web.say_text("证件丢了怎么办")
    web.say_text("1")
    report(WebCitizen(stack.gateway_url), "烧烤摊的油烟熏得我家一整晚没法开窗")
    wants_person = WebCitizen(stack.gateway_url)
    wants_person.say_text("转人工")
    wants_person.say_text("结束")
    assert alipay_says(stack, stack_alipay, "你好", "ops-card-1")
    alipay_says(stack, stack_alipay, "护照怎么办", "ops-card-2")

    period = Period.choose(city_today() - timedelta(days=1), None)
    with login(stack, stack_agent) as supervisor:
        response = supervisor.get("/api/ops/scorecard", params={"from": period.first.isoformat()})
        expected = counted_from_the_store(stack, period)
    assert response.status_code == 200, response.text
    card = response.json()
    print("scorecard (all channels):", json.dumps(card["channels"]["all"], ensure_ascii=False))
    assert card["source"] == "sqlite"
    for name in ("all", "web", "alipay"):
        figures = card["channels"][name]
        for key in (
            "conversations",
            "messages",
            "fallbacks",
            "clarifications",
            "clarifications_first_choice",
            "tickets",
            "handoffs",
            "handoffs_requested",
            "handoffs_bot_failed",
            "payments",
        ):
            assert figures[key] == expected[name][key], (name, key, figures[key], expected[name][key])
    everything = card["channels"]["all"]
    assert everything["conversations"] >= 4 and card["channels"]["alipay"]["messages"] >= 2
    assert everything["fallbacks"] >= 1 and everything["clarifications_first_choice"] >= 1
    assert everything["tickets"] >= 1 and everything["handoffs_requested"] >= 1
    assert 0 < everything["containment"] < 1 and everything["median_reply_ms"] > 0
    assert sum(day["messages"] for day in card["days"]) == everything["messages"]
    assert sum(row["count"] for row in card["ticket_categories"]) == everything["tickets"]
    assert any(row["name"] != row["category"] for row in card["ticket_categories"]), (
        "names from the ticket system"
    )


def test_unanswered_questions_and_exports_are_masked(stack: Stack, stack_agent: StackAgent) -> None:
    citizen = WebCitizen(stack.gateway_url)
    citizen.say_text(f"无人机飞行要去哪里报备，我电话{PHONE}")
    with login(stack, stack_agent) as supervisor:
        marked = supervisor.post(
            "/api/agent/feedback",
            json={
                "text": f"养狗要办证吗 来电{PHONE}",
                "suggestion_id": "marriage.register",
                "helpful": False,
            },
        )
        assert marked.status_code == 200
        body = supervisor.get("/api/ops/unanswered").json()
        exports = {path: supervisor.get(path) for path in OPS_PATHS if path.endswith(".csv")}
    examples = [text for cluster in body["clusters"] for text in cluster["examples"]]
    assert any("139****5678" in text and "无人机" in text for text in examples), examples
    assert any(item["suggestion_id"] == "marriage.register" for item in body["marked_wrong"])
    assert all(cluster["suggestion"] in ("add_phrasings", "new_entry") for cluster in body["clusters"])
    assert PHONE not in json.dumps(body, ensure_ascii=False)
    for path, response in exports.items():
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"].startswith("text/csv")
        assert response.content.startswith(b"\xef\xbb\xbf"), path
        text = response.content.decode("utf-8-sig")
        assert CHINESE.search(text.splitlines()[0]), path
        assert PHONE not in text, path
    assert "139****5678" in exports["/api/ops/unanswered.csv"].content.decode("utf-8-sig")


def test_only_supervisors_get_the_figures(
    stack: Stack, stack_plain_agent: StackAgent, stack_agent: StackAgent
) -> None:
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as anonymous:
        for path in OPS_PATHS:
            refused = anonymous.get(path)
            assert refused.status_code == 401, path
            assert CHINESE.search(refused.json()["message"]), path
        page = anonymous.get("/ops")
        assert page.status_code == 200 and "督办账号登录" in page.text
    with login(stack, stack_plain_agent) as agent:
        for path in OPS_PATHS:
            refused = agent.get(path)
            assert refused.status_code == 403, path
            assert refused.json()["error"] == "supervisor_required"
            assert CHINESE.search(refused.json()["message"])
    with login(stack, stack_agent) as supervisor:
        for query in (
            {"from": "2026-13-01"},
            {"from": "2026-12-02", "to": "2026-12-01"},
            {"to": "2999-01-01"},
        ):
            refused = supervisor.get("/api/ops/scorecard", params=query)
            assert refused.status_code == 422, query
            assert refused.json()["error"] == "invalid_period" and CHINESE.search(refused.json()["message"])
