"""Proactive notices through the real stack: the sandbox publishes signed events, the gateway
stores them, the supervised `notices` process sends them to the fake WeChat platform (which
checks our access token, templates and subscription accepts) or to web chat. Its own stack,
because it needs a WeChat account, no quiet hours (they would depend on the hour the suite runs;
they are held in tests/notices) and a 72-hour appointment lead time. WeChat users who wrote
within 48 hours get customer-service messages, the others templates or subscription messages."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import func, select

from bot.agent_auth import hash_password
from common.time_words import CITY_TIMEZONE, city_today
from integrations.wechat.fake_api import FakeWeChatApi
from integrations.wechat.simulator import WeChatSimulator
from notices.events import signature
from notices.models import NoticeDelivery, NoticeEvent
from notices.outbox import NoticeStore
from notices.subscriptions import BILL, SubscriptionStore
from scripts.stack import Stack
from tests.e2e.chat import WebCitizen
from tests.servers import serve

pytestmark = pytest.mark.e2e
T = TypeVar("T")
ZHANG_WEI, LI_NA, WANG_JG = "oDemoZhangWei0001", "oDemoLiNa00000002", "oDemoWangJG000003"
TICKET_TEMPLATE = "tpl-12345-progress"
SUBSCRIBE_TEMPLATE = "sub-tpl-appointment"
LEAD_HOURS = 72
"""Longer than the longest gap between two open slots of the hall (Saturday noon to Monday)."""
AGENT, AGENT_PASSWORD = "notice-agent", secrets.token_urlsafe(12)


class NoticeStack:
    def __init__(self, stack: Stack, wechat: FakeWeChatApi, wechat_env: dict[str, str]) -> None:
        self.stack = stack
        self.wechat = wechat
        self.wechat_env = wechat_env
        self.sandbox = httpx.Client(
            base_url=stack.env["SANDBOX_URL"],
            timeout=15,
            headers={"Authorization": f"Bearer {stack.env['SANDBOX_API_KEY']}"}
            if stack.env.get("SANDBOX_API_KEY")
            else {},
        )
        self.outbox = NoticeStore(stack.settings.assistant_database_url)

    def deliveries(self) -> list[NoticeDelivery]:
        return asyncio.run(self.outbox.all_deliveries())

    def events(self) -> int:
        """Department events the gateway has stored."""
        with self.outbox._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(NoticeEvent)) or 0)

    def planned(self, kind: str, words: str) -> bool:
        """Whether the sender has planned a stored event of `kind` whose data mentions `words`."""
        with self.outbox._sessions() as session:
            rows = session.scalars(select(NoticeEvent).where(NoticeEvent.kind == kind))
            return any(row.processed_at is not None and words in row.payload for row in rows)

    def file_ticket(self, citizen_id: str, text: str) -> str:
        response = self.sandbox.post(
            "/complaints/v1/tickets",
            json={"category": "urban_construction", "description": text, "citizen_id": citizen_id},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["ticket_id"])

    def move_ticket(self, ticket_id: str, status: str, note: str | None = None) -> None:
        response = self.sandbox.post(
            f"/complaints/v1/tickets/{ticket_id}/status", json={"status": status, "note": note}
        )
        assert response.status_code == 200, response.text

    def push(self, build: Callable[[WeChatSimulator], Any]) -> str:
        """One signed push from WeChat's servers to the gateway; the passive reply's text."""
        env = self.wechat_env

        async def send() -> str:
            async with WeChatSimulator(
                f"{self.stack.gateway_url}/wechat",
                env["WECHAT_TOKEN"],
                env["WECHAT_APP_ID"],
                env["WECHAT_ENCODING_AES_KEY"],
            ) as simulator:
                reply = await simulator.push(build(simulator))
            return reply.text or ""

        return asyncio.run(send())

    def texts_about(self, openid: str, words: str) -> list[str]:
        return [text for text in self.wechat.texts_to(openid) if words in text]

    def templates_about(self, openid: str, words: str) -> list[dict[str, Any]]:
        return [
            item for item in self.wechat.templates_to(openid) if words in json.dumps(item, ensure_ascii=False)
        ]


def until(check: Callable[[], T], what: str, timeout: float = 60.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def notices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NoticeStack]:
    wechat = FakeWeChatApi("wx" + secrets.token_hex(8), secrets.token_hex(16))
    wechat.templates.update({TICKET_TEMPLATE, SUBSCRIBE_TEMPLATE})
    with serve(wechat.app()) as wechat_url:
        wechat_env = {
            "WECHAT_TOKEN": secrets.token_hex(16),
            "WECHAT_APP_ID": wechat.app_id,
            "WECHAT_APP_SECRET": wechat.app_secret,
            "WECHAT_ENCODING_AES_KEY": base64.b64encode(os.urandom(32)).decode().rstrip("="),
            "WECHAT_API_BASE": wechat_url,
        }
        state_dir: Path = tmp_path_factory.mktemp("notices-stack")
        stack = Stack.on_free_ports(
            state_dir,
            **wechat_env,
            SANDBOX_FAULTS_ENABLED="true",
            NOTICE_QUIET_HOURS="",
            NOTICE_APPOINTMENT_LEAD_HOURS=str(LEAD_HOURS),
            NOTICE_SEND_INTERVAL_SECONDS="1",
            NOTICE_WECHAT_TEMPLATES=f"ticket={TICKET_TEMPLATE}",
            NOTICE_WECHAT_SUBSCRIBE_TEMPLATES=f"appointment={SUBSCRIBE_TEMPLATE}",
            AGENT_USERS=f"{AGENT}:{hash_password(AGENT_PASSWORD)}",
        )
        model = os.environ.get("STACK_MODEL")
        stack.start(Path(model) if model else None)
        try:
            yield NoticeStack(stack, wechat, wechat_env)
        finally:
            stack.stop()


def test_a_closed_ticket_reaches_the_complainant_once_on_wechat_with_the_rating_invitation(
    notices: NoticeStack,
) -> None:
    ticket_id = notices.file_ticket("C001", "小区门口的路灯坏了一个多月，晚上很黑")
    notices.move_ticket(ticket_id, "已派单")
    notices.move_ticket(ticket_id, "处理中")
    notices.move_ticket(ticket_id, "已办结", "路灯已更换，恢复照明。")
    closed = until(lambda: notices.templates_about(ZHANG_WEI, "已办结"), "the closing notice")
    assert len(closed) == 1
    content = closed[0]["data"]["keyword1"]["value"]
    assert ticket_id in content and "路灯已更换" in content and f"评价 {ticket_id}" in content
    assert "退订投诉提醒" in closed[0]["data"]["remark"]["value"]
    about_ticket = notices.templates_about(ZHANG_WEI, ticket_id)
    assert [item["data"]["first"]["value"] for item in about_ticket] == [
        "工单已受理",
        "工单已派单",
        "工单已办结",
    ]


def test_a_repeated_webhook_sends_nothing_twice(notices: NoticeStack) -> None:
    ticket_id = notices.file_ticket("C001", "公园的健身器材坏了没人修")
    until(lambda: notices.templates_about(ZHANG_WEI, ticket_id), "the first notice")
    feed = notices.sandbox.get("/events/v1/events", params={"after": 0, "limit": 500}).json()["events"]
    event = next(item for item in feed if item["data"].get("ticket_id") == ticket_id)
    body = json.dumps({key: event[key] for key in ("event_id", "kind", "data")}, ensure_ascii=False).encode()
    stamp = str(int(time.time()))
    secret = notices.stack.env["NOTICE_WEBHOOK_SECRET"]
    headers = {"X-Event-Timestamp": stamp, "X-Event-Signature": signature(secret, stamp, body)}
    gateway = notices.stack.gateway_url
    for _ in range(2):
        again = httpx.post(f"{gateway}/api/notices/events", content=body, headers=headers, timeout=10)
        assert again.status_code == 202 and again.json() == {"accepted": True, "duplicate": True}
    forged = httpx.post(
        f"{gateway}/api/notices/events", content=body, headers={**headers, "X-Event-Signature": "sha256=00"}
    )
    assert forged.status_code == 401 and forged.json()["error"] == "bad_signature"
    sentinel = notices.file_ticket("C001", "垃圾桶满了好几天没人清")  # planned after the repeats
    until(lambda: notices.templates_about(ZHANG_WEI, sentinel), "the sentinel notice")
    assert len(notices.templates_about(ZHANG_WEI, ticket_id)) == 1


def test_a_bill_coming_due_reminds_the_subscriber_once_and_nobody_else(notices: NoticeStack) -> None:
    gateway = notices.stack.gateway_url
    subscriber, other = WebCitizen(gateway), WebCitizen(gateway)
    for citizen in (subscriber, other):
        assert "已绑定" in citizen.say_text("绑定水费户号 3100067890")
    answer = subscriber.say_text("以后水费快到期提醒我")
    assert "好的" in answer and "退订水费提醒" in answer, answer
    period = f"{city_today() + timedelta(days=40):%Y-%m}"
    due = (city_today() + timedelta(days=2)).isoformat()
    issued = notices.sandbox.post(
        "/utility/v1/accounts/3100067890/bills", json={"period": period, "amount": 42.5, "due_date": due}
    )
    assert issued.status_code == 201, issued.text
    shown = until(lambda: WebNotices(gateway).of(subscriber.sender), "the web notice")
    assert len(shown) == 1 and "水费" in shown[0]["text"] and "42.50元" in shown[0]["text"]
    assert WebNotices(gateway).of(subscriber.sender) == []  # shown once
    assert WebNotices(gateway).of(other.sender) == []
    assert not notices.templates_about(LI_NA, "水费") and not [
        t for t in notices.wechat.texts_to(LI_NA) if "水费" in t
    ]
    # Unsubscribing stops the next one.
    assert "已退订水费提醒" in subscriber.say_text("退订水费提醒")
    later = f"{city_today() + timedelta(days=70):%Y-%m}"
    notices.sandbox.post(
        "/utility/v1/accounts/3100067890/bills", json={"period": later, "amount": 50.0, "due_date": due}
    ).raise_for_status()
    until(lambda: notices.planned("bill.issued", later), "the new bill's event planned")
    assert not [row for row in notices.deliveries() if row.ref.endswith(later)]
    assert WebNotices(gateway).of(subscriber.sender) == []


class WebNotices:
    def __init__(self, gateway: str) -> None:
        self._gateway = gateway

    def of(self, sender: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self._gateway}/api/chat/notices", params={"sender": sender}, timeout=10)
        response.raise_for_status()
        return list(response.json()["notices"])


def _slot(notices: NoticeStack, resource: str, after: datetime) -> dict[str, Any]:
    slots = notices.sandbox.get(
        "/appointments/v1/slots/nearest",
        params={"resource": resource, "after": f"{after:%Y-%m-%dT%H:%M}", "limit": 1},
    ).json()
    assert slots, "no free slot"
    return dict(slots[0])


def _book(notices: NoticeStack, slot: dict[str, Any], citizen_id: str) -> str:
    response = notices.sandbox.post(
        "/appointments/v1/bookings",
        json={
            "resource": slot["resource_id"],
            "service": "passport",
            "date": slot["date"],
            "start": slot["start"],
            "citizen_name": "王建国",
            "phone": "13605310003",
            "citizen_id": citizen_id,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["booking_no"])


def test_an_appointment_reminder_is_due_at_the_lead_time_and_goes_out_then(notices: NoticeStack) -> None:
    notices.push(lambda wechat: wechat.text(WANG_JG, "你好"))  # he wrote: customer messages for 48 h
    now = datetime.now(CITY_TIMEZONE).replace(tzinfo=None)
    soon = _book(notices, _slot(notices, "G01", now + timedelta(hours=1)), "C003")
    far_slot = _slot(notices, "G01", now + timedelta(hours=LEAD_HOURS + 30))
    far = _book(notices, far_slot, "C003")
    sent = until(
        lambda: [t for t in notices.wechat.texts_to(WANG_JG) if soon in t], "the reminder of the near booking"
    )
    assert "请带上：" in sent[0] and f"取消预约 {soon}" in sent[0] and "退订预约提醒" in sent[0]
    row = until(lambda: [r for r in notices.deliveries() if r.ref == far], "the far booking's reminder")[0]
    starts = datetime.combine(
        date.fromisoformat(far_slot["date"]), clock_time.fromisoformat(far_slot["start"]), CITY_TIMEZONE
    )
    assert row.status == "queued"
    assert row.not_before == (starts - timedelta(hours=LEAD_HOURS)).astimezone(UTC).replace(tzinfo=None)
    assert not [t for t in notices.wechat.texts_to(WANG_JG) if far in t]


def test_outside_48_hours_an_accepted_subscription_carries_one_reminder(notices: NoticeStack) -> None:
    accepted = notices.push(lambda wechat: wechat.subscription_choice(LI_NA, {SUBSCRIBE_TEMPLATE: True}))
    assert accepted == ""  # WeChat gets `success`
    notices.wechat.accept(LI_NA, SUBSCRIBE_TEMPLATE)
    now = datetime.now(CITY_TIMEZONE).replace(tzinfo=None)
    first_slot = _slot(notices, "G01", now + timedelta(hours=1))
    first = _book(notices, first_slot, "C002")
    sent = until(lambda: notices.wechat.subscriptions_to(LI_NA), "the subscription message")
    assert sent[0]["template_id"] == SUBSCRIBE_TEMPLATE and sent[0]["data"]["thing1"]["value"] == "预约提醒"
    starts = datetime.combine(
        date.fromisoformat(first_slot["date"]), clock_time.fromisoformat(first_slot["start"])
    )
    second_slot = _slot(notices, "G01", starts + timedelta(hours=1))
    second = _book(notices, second_slot, "C002")
    refused = until(
        lambda: [r for r in notices.deliveries() if r.ref == second and r.status == "refused"],
        "the second reminder recorded as undeliverable",
    )
    assert "48 h" in (refused[0].error or "")
    assert len(notices.wechat.subscriptions_to(LI_NA)) == 1 and not notices.texts_about(LI_NA, first)


def test_a_fine_coming_due_and_a_gas_outage_reach_a_citizen_who_wrote(notices: NoticeStack) -> None:
    notices.push(lambda wechat: wechat.text(ZHANG_WEI, "你好"))  # he wrote: customer messages for 48 h
    # Subscribed as "罚单快到期提醒我" does (tests/notices/test_reminder_actions.py; the phrase is
    # new NLU data, which the model this suite may be given does not have).
    subscriptions = SubscriptionStore(notices.stack.settings.assistant_database_url)
    asyncio.run(subscriptions.subscribe(f"wechat:{ZHANG_WEI}", BILL, "traffic_fine", "鲁K·A1234", "C001"))
    record_id = f"V{uuid.uuid4().int % 10**12:012d}"
    decided = city_today() - timedelta(days=14)  # due tomorrow
    recorded = notices.sandbox.post(
        "/traffic/v1/vehicles/鲁K·A1234/violations",
        json={
            "record_id": record_id,
            "date": decided.isoformat(),
            "location": "文化中路",
            "behavior": "违停",
            "fine": 150,
            "points": 0,
        },
    )
    assert recorded.status_code == 201, recorded.text
    reminder = until(lambda: notices.texts_about(ZHANG_WEI, "缴款期限"), "the fine reminder")
    assert (
        len(reminder) == 1 and "鲁K·A1234" in reminder[0] and "150元" in reminder[0] and "明天" in reminder[0]
    )
    outage = {
        "outage_id": f"GAS-{uuid.uuid4().hex[:8]}",
        "bill_type": "gas",
        "area": "环翠区文化中路",
        "streets": ["文化中路"],
        "starts": f"{city_today() + timedelta(days=1)}T09:00",
        "ends": f"{city_today() + timedelta(days=1)}T17:00",
        "reason": "燃气管道改造",
    }
    assert notices.sandbox.post("/utility/v1/outages", json=outage).status_code == 201
    told = until(lambda: notices.texts_about(ZHANG_WEI, "停气通知"), "the outage notice")
    assert "09:00至17:00停气" in told[0] and "燃气管道改造" in told[0]
    assert notices.sandbox.post("/utility/v1/outages", json=outage).status_code == 409
    sentinel = notices.file_ticket("C001", "小区里的路灯又坏了")  # planned after the outage
    until(lambda: notices.texts_about(ZHANG_WEI, sentinel), "the sentinel notice")
    assert len(notices.texts_about(ZHANG_WEI, "停气通知")) == 1


def test_a_stopped_sender_resumes_without_losing_or_doubling(notices: NoticeStack) -> None:
    supervisor = notices.stack.rpc().supervisor
    supervisor.stopProcess("notices", True)
    known = notices.events()
    tickets = [notices.file_ticket("C002", f"第{number}个路口的红绿灯不亮") for number in range(3)]
    until(lambda: notices.events() >= known + 3, "the events stored while the sender is down")
    assert not [t for t in tickets if notices.templates_about(LI_NA, t)]
    supervisor.startProcess("notices", True)
    until(lambda: all(notices.templates_about(LI_NA, t) for t in tickets), "every queued notice")
    sentinel = notices.file_ticket("C002", "井盖松了，车压过去咣当响")
    until(lambda: notices.templates_about(LI_NA, sentinel), "the sentinel notice")
    assert [len(notices.templates_about(LI_NA, t)) for t in tickets] == [1, 1, 1]


def test_saying_stop_on_wechat_stops_the_next_notice_and_agents_see_what_was_sent(
    notices: NoticeStack,
) -> None:
    env = notices.wechat_env
    url = f"{notices.stack.gateway_url}/wechat"

    async def say(text: str) -> str:
        async with WeChatSimulator(
            url, env["WECHAT_TOKEN"], env["WECHAT_APP_ID"], env["WECHAT_ENCODING_AES_KEY"]
        ) as wechat:
            reply = await wechat.push(wechat.text(ZHANG_WEI, text))
        return reply.text or ""

    answer = asyncio.run(say("别再给我发了"))
    if not answer:  # past the reply deadline the answer comes as a customer message
        answer = until(lambda: [t for t in notices.wechat.texts_to(ZHANG_WEI) if "不再" in t], "the answer")[
            0
        ]
    assert "不再给您发提醒" in answer, answer
    ticket_id = notices.file_ticket("C001", "楼道里堆满了杂物，有火灾隐患")
    skipped = until(
        lambda: [r for r in notices.deliveries() if r.ref == ticket_id and r.status == "skipped"],
        "the skipped notice",
    )
    assert skipped[0].error == "unsubscribed" and not notices.templates_about(ZHANG_WEI, ticket_id)
    with httpx.Client(base_url=notices.stack.gateway_url, timeout=30) as console:
        assert (
            console.post("/api/agent/login", json={"user": AGENT, "password": AGENT_PASSWORD}).status_code
            == 200
        )
        listing = console.post(
            "/api/agent/notices", json={"phone": "13805310001", "reason": "市民来电询问提醒"}
        )
        assert console.post("/api/agent/notices", json={"phone": "123"}).status_code == 422
    assert listing.status_code == 200
    rows = listing.json()["notices"]
    assert any(row["status_name"] == "已送达" and row["channel_name"] == "微信" for row in rows)
    assert any(row["status_name"] == "未发送" and ticket_id in row["text"] for row in rows)
    assert all(ZHANG_WEI not in json.dumps(row, ensure_ascii=False) for row in rows)  # openids masked


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("别再给我发了", "unsubscribe_notice"),
        ("退订燃气提醒", "unsubscribe_notice"),
        ("以后水费快到期提醒我", "subscribe_notice"),
        ("我的提醒", "list_notices"),
        ("不用了", "deny"),
        ("不要", "deny"),
        ("提醒我按时吃药", "out_of_scope"),
    ],
)
def test_stopping_notices_is_told_apart_from_a_plain_no(notices: NoticeStack, text: str, intent: str) -> None:
    parsed = httpx.post(f"{notices.stack.gateway_url}/api/nlu/parse", json={"text": text}, timeout=30).json()
    assert parsed["intent"]["name"] == intent, parsed["intent"]
