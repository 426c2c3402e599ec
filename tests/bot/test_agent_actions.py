"""The agent console's back-office steps and login lockout, through the real gateway app
against a real sandbox served over HTTP (Rasa down: these routes do not need it)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bot import agent_auth
from bot.app import create_app
from bot.login_limit import LoginLimiter, LoginLimits
from bot.routes import agent, agent_actions
from common.store import MemoryStore
from departments.appointments import AppointmentClient, BookingRequest
from departments.bill_types import BILL_TYPES
from departments.registry import Departments
from scripts.stack import free_port
from tests.bot.offline import settings_without_rasa

PASSWORD = secrets.token_urlsafe(12)
CALLER_PHONE = "13912345678"
LOCKED = "登录失败次数过多，请15分钟后再试。"
SMOKE = "文化中路88号楼下烧烤店油烟太大，每天晚上都熏"


def _gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_url: str | None = None) -> TestClient:
    monkeypatch.setenv("KB_PRELOAD", "0")
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    monkeypatch.setenv("AGENT_USERS", f"zhang:{agent_auth.hash_password(PASSWORD)}")
    monkeypatch.setenv("DEPARTMENT_TIMEOUT_SECONDS", "1")
    return TestClient(create_app(settings_without_rasa(tmp_path, sandbox_url)), raise_server_exceptions=False)


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_url: str) -> Iterator[TestClient]:
    with _gateway(tmp_path, monkeypatch, sandbox_url) as test_client:
        yield test_client


@pytest.fixture
def agent_client(client: TestClient) -> TestClient:
    response = client.post("/api/agent/login", json={"user": "zhang", "password": PASSWORD})
    assert response.status_code == 200
    return client


@pytest.fixture
def down_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """Logged in, with no department listening at the sandbox address."""
    with _gateway(tmp_path, monkeypatch) as test_client:
        login = test_client.post("/api/agent/login", json={"user": "zhang", "password": PASSWORD})
        assert login.status_code == 200
        yield test_client


def _complaint(**changes: object) -> dict[str, object]:
    return {
        "category": "environment",
        "content": SMOKE,
        "location": "环翠区文化中路88号",
        "name": "刘先生",
        "phone": CALLER_PHONE,
        "anonymous": False,
        **changes,
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/agent/complaints/categories", None),
        ("POST", "/api/agent/complaints", _complaint()),
        ("POST", "/api/agent/lookup/bill", {"bill_type": "water", "account": "3100012345"}),
        ("POST", "/api/agent/lookup/bookings", {"phone": "13805310001"}),
    ],
)
def test_every_action_needs_a_login(
    client: TestClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.json() == {"error": "login_required", "message": agent.LOGIN_REQUIRED}


def test_the_ticket_systems_categories_are_listed(agent_client: TestClient) -> None:
    response = agent_client.get("/api/agent/complaints/categories")
    assert response.status_code == 200
    categories = {item["category"]: item for item in response.json()["categories"]}
    assert categories["environment"] == {
        "category": "environment",
        "name": "环境保护",
        "department": "市生态环境局",
    }
    assert len(categories) >= 10


async def test_the_complaint_suggestion_is_prefilled_with_the_inferred_category(sandbox_url: str) -> None:
    categories = await agent.complaint_categories(Departments.at(sandbox_url))
    entities = [
        {"entity": "district", "value": "环翠区"},
        {"entity": "phone", "value": CALLER_PHONE},
    ]
    text = f"环翠区文化中路楼下烧烤店油烟太大，我电话{CALLER_PHONE}"
    action = agent.action_suggestion(
        {"name": "file_complaint", "confidence": 0.93}, text, entities, categories
    )
    assert action is not None
    assert action["id"] == "open_complaint"
    assert action["answer"] == text
    assert action["prefill"] == {
        "category": "environment",
        "content": text,
        "location": "环翠区文化中路",
        "phone": CALLER_PHONE,
    }


async def test_without_the_ticket_system_the_complaint_prefill_has_no_category() -> None:
    categories = await agent.complaint_categories(Departments.at(f"http://127.0.0.1:{free_port()}"))
    assert categories == []
    action = agent.action_suggestion({"name": "file_complaint", "confidence": 0.9}, SMOKE, [], categories)
    assert action is not None
    assert action["prefill"] == {
        "category": None,
        "content": SMOKE,
        "location": "文化中路88号",
        "phone": None,
    }


@pytest.mark.parametrize(
    ("intent", "entities", "prefill"),
    [
        (
            "query_bill",
            [{"entity": "bill_type", "value": "water"}, {"entity": "account_number", "value": "3100012345"}],
            {"bill_type": "water", "account": "3100012345"},
        ),
        (
            "query_bill",
            [{"entity": "plate_number", "value": "鲁K·A1234"}],
            {"bill_type": None, "account": "鲁K·A1234"},
        ),
        ("query_bill", [], {"bill_type": None, "account": None}),
        ("list_appointments", [{"entity": "phone", "value": "13805310001"}], {"phone": "13805310001"}),
        ("book_appointment", [], {"phone": None}),
    ],
)
def test_lookup_suggestions_are_prefilled_from_the_entities(
    intent: str, entities: list[dict[str, str]], prefill: dict[str, str | None]
) -> None:
    action = agent.action_suggestion({"name": intent, "confidence": 0.8}, "查一下", entities)
    assert action is not None
    assert action["prefill"] == prefill


def test_numbers_rasa_tags_only_in_part_are_prefilled_whole() -> None:
    """What the trained model returns: jieba cuts the hotline's "12345" out of longer numbers."""
    text = "帮我查一下水费，户号3100012345"
    entities = [
        {"entity": "bill_type", "value": "water", "start": 5, "end": 7},
        {"entity": "account_number", "value": "31000", "start": 10, "end": 15},
    ]
    bill = agent.action_suggestion({"name": "query_bill", "confidence": 0.9}, text, entities)
    assert bill is not None
    assert bill["prefill"] == {"bill_type": "water", "account": "3100012345"}
    plate = [{"entity": "plate_number", "value": "鲁K", "start": 2, "end": 4}]
    fines = agent.action_suggestion({"name": "query_bill", "confidence": 0.9}, "查下鲁K·A1234的违章", plate)
    assert fines is not None and fines["prefill"]["account"] == "鲁K·A1234"
    text = "我电话13912345678，查下我的预约"
    phone = [{"entity": "phone", "value": "139", "start": 3, "end": 6}]
    bookings = agent.action_suggestion({"name": "list_appointments", "confidence": 0.9}, text, phone)
    assert bookings is not None and bookings["prefill"] == {"phone": "13912345678"}


def test_a_complaint_is_filed_once_however_often_it_is_submitted(
    agent_client: TestClient, sandbox_url: str
) -> None:
    form_key = {"Idempotency-Key": secrets.token_hex(8)}
    first = agent_client.post("/api/agent/complaints", json=_complaint(), headers=form_key)
    again = agent_client.post("/api/agent/complaints", json=_complaint(), headers=form_key)
    assert first.status_code == again.status_code == 201
    ticket = first.json()
    assert ticket["ticket_id"].startswith("12345-")
    assert ticket["department"] == "市生态环境局"
    assert ticket["category_name"] == "环境保护"
    assert ticket["ticket_id"] in ticket["message"] and "已受理" in ticket["message"]
    assert again.json() == ticket
    corrected = agent_client.post(
        "/api/agent/complaints", json=_complaint(location="环翠区文化中路90号"), headers=form_key
    )
    assert corrected.status_code == 201
    assert corrected.json()["ticket_id"] != ticket["ticket_id"]
    filed = httpx.get(f"{sandbox_url}/complaints/v1/tickets", params={"phone": CALLER_PHONE}).json()
    assert sorted(item["ticket_id"] for item in filed) == sorted(
        [ticket["ticket_id"], corrected.json()["ticket_id"]]
    )
    stored = next(item for item in filed if item["ticket_id"] == ticket["ticket_id"])
    assert stored["contact_name"] == "刘先生"
    assert stored["location"] == "环翠区文化中路88号"


def test_an_anonymous_complaint_needs_no_phone(agent_client: TestClient, sandbox_url: str) -> None:
    body = _complaint(name="", phone="", anonymous=True, content="文登区龙山路小区门口的路灯坏了一个月")
    response = agent_client.post("/api/agent/complaints", json=body)
    assert response.status_code == 201
    ticket = httpx.get(f"{sandbox_url}/complaints/v1/tickets/{response.json()['ticket_id']}").json()
    assert ticket["anonymous"] is True
    assert ticket["contact_phone"] is None


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"phone": "1381234"}, "invalid_phone", agent_actions.INVALID_PHONE),
        ({"phone": "", "anonymous": False}, "contact_missing", agent_actions.PHONE_OR_ANONYMOUS),
        ({"content": "油烟"}, "content_too_short", agent_actions.CONTENT_TOO_SHORT),
        ({"category": "nonsense"}, "unknown_category", "没有提交成功：没有这个投诉类别。"),
    ],
)
def test_a_complaint_the_agent_can_fix_is_refused_in_chinese(
    agent_client: TestClient, changes: dict[str, object], error: str, message: str
) -> None:
    response = agent_client.post("/api/agent/complaints", json=_complaint(**changes))
    assert response.status_code == 422
    assert response.json() == {"error": error, "message": message}


def test_a_department_that_is_down_gets_a_polite_503(down_client: TestClient) -> None:
    filed = down_client.post("/api/agent/complaints", json=_complaint())
    categories = down_client.get("/api/agent/complaints/categories")
    bill = down_client.post("/api/agent/lookup/bill", json={"bill_type": "water", "account": "3100012345"})
    bookings = down_client.post("/api/agent/lookup/bookings", json={"phone": "13805310001"})
    for response in (filed, categories, bill, bookings):
        assert response.status_code == 503
        assert response.json()["error"] == "department_unavailable"
        assert "繁忙" in response.json()["message"]
        assert "HTTP" not in response.json()["message"] and "Error" not in response.json()["message"]
    assert filed.json()["message"] == (
        "12345热线工单系统繁忙，暂时不能确认工单是否已提交，同一表单再提交一次不会重复建单，请稍后再试。"
    )
    assert bill.json()["message"] == "供水公司繁忙，暂时查不到，请稍后再试。"


def test_a_complaint_whose_answer_was_lost_is_told_from_the_ticket_systems_record(
    agent_client: TestClient, sandbox_url: str
) -> None:
    """The ticket system stored the ticket and its answer was lost: the agent gets the ticket
    (from the record under the filing's key), not "没有提交成功"; the retry files no second one."""
    httpx.post(f"{sandbox_url}/_faults/complaints", json={"mode": "lost"}).raise_for_status()
    headers = {"Idempotency-Key": "agent-form-lost-1"}
    filed = agent_client.post("/api/agent/complaints", json=_complaint(), headers=headers)
    httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    assert filed.status_code == 201, filed.text
    again = agent_client.post("/api/agent/complaints", json=_complaint(), headers=headers)
    assert again.json()["ticket_id"] == filed.json()["ticket_id"]
    assert filed.json()["message"].startswith(f"已受理，工单号 {filed.json()['ticket_id']}")


def test_a_complaint_the_ticket_system_cannot_account_for_is_not_called_unfiled(
    agent_client: TestClient, sandbox_url: str
) -> None:
    """The ticket system fails the filing and the look-up by its key: the agent is told it
    cannot be confirmed (not "没有提交成功", which may be false), and the same form sent again
    once it is back files one ticket."""
    httpx.post(f"{sandbox_url}/_faults/complaints", json={"mode": "error"}).raise_for_status()
    headers = {"Idempotency-Key": "agent-form-error-1"}
    filed = agent_client.post("/api/agent/complaints", json=_complaint(), headers=headers)
    httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    assert filed.status_code == 503
    assert "暂时不能确认工单是否已提交" in filed.json()["message"]
    first = agent_client.post("/api/agent/complaints", json=_complaint(), headers=headers)
    second = agent_client.post("/api/agent/complaints", json=_complaint(), headers=headers)
    assert first.status_code == 201 and second.json()["ticket_id"] == first.json()["ticket_id"]


def test_a_known_account_gets_the_dialogues_bill_answer(agent_client: TestClient) -> None:
    response = agent_client.post(
        "/api/agent/lookup/bill", json={"bill_type": "water", "account": " 3100012345 "}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["found"] is True
    assert body["text"].startswith("水费（户号 310***2345，示例市供水集团）")
    assert "86.40元" in body["text"]
    assert "3100012345" not in body["text"]


@pytest.mark.parametrize(
    ("bill_type", "account", "expected"),
    [
        ("traffic_fine", "鲁k a1234", "鲁K·A1234 有 1 条未处理违章"),
        ("housing_fund", "GJJ370100001", "余额 86,542.17元"),
        ("social_security", "371002198503122311", "累计缴费 219 个月"),
    ],
)
def test_other_bill_types_are_answered_too(
    agent_client: TestClient, bill_type: str, account: str, expected: str
) -> None:
    response = agent_client.post("/api/agent/lookup/bill", json={"bill_type": bill_type, "account": account})
    assert response.status_code == 200
    assert response.json()["found"] is True
    assert expected in response.json()["text"]


def test_an_unknown_account_is_not_found_politely(agent_client: TestClient) -> None:
    response = agent_client.post(
        "/api/agent/lookup/bill", json={"bill_type": "water", "account": "3100099999"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "found": False,
        "text": "没有查到水费户号 310***9999 的记录，请核对后再发一次。",
        "identifier": "310***9999",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"bill_type": "water", "account": "abc"},
            "水费户号格式不对，在水费单或缴费记录上能找到，如 3100012345。",
        ),
        ({"bill_type": "rent", "account": "3100012345"}, agent_actions.UNKNOWN_BILL_TYPE),
    ],
)
def test_a_bill_lookup_the_agent_can_fix_is_refused_in_chinese(
    agent_client: TestClient, body: dict[str, str], message: str
) -> None:
    response = agent_client.post("/api/agent/lookup/bill", json=body)
    assert response.status_code == 422
    assert response.json()["message"] == message


def test_the_callers_bookings_are_listed_by_phone(agent_client: TestClient, sandbox_url: str) -> None:
    async def book() -> str:
        appointments = AppointmentClient(sandbox_url)
        slot = (await appointments.nearest_slots("H01-NK", limit=1))[0]
        request = BookingRequest(
            resource="H01-NK", date=slot.date, start=slot.start, citizen_name="张伟", phone="13805310001"
        )
        return (await appointments.book(request, idempotency_key=secrets.token_hex(8))).booking_no

    booking_no = asyncio.run(book())
    response = agent_client.post("/api/agent/lookup/bookings", json={"phone": "138 0531 0001"})
    assert response.status_code == 200
    body = response.json()
    assert body["found"] is True and body["count"] >= 1
    assert booking_no in body["text"] and "市立医院" in body["text"]
    nobody = agent_client.post("/api/agent/lookup/bookings", json={"phone": "13700000000"}).json()
    assert nobody["found"] is False and nobody["text"].startswith("您现在没有待办的预约")
    invalid = agent_client.post("/api/agent/lookup/bookings", json={"phone": "0531-1234"})
    assert invalid.status_code == 422
    assert invalid.json()["message"] == agent_actions.INVALID_PHONE


def _log_in(client: TestClient, user: str, password: str) -> httpx.Response:
    return client.post("/api/agent/login", json={"user": user, "password": password})


def test_five_failures_lock_the_name_out_even_with_the_right_password(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.routes.agent"):
        for _ in range(5):
            assert _log_in(client, "zhang", "wrong-password").status_code == 401
        locked = _log_in(client, "zhang", PASSWORD)
    assert locked.status_code == 429
    assert locked.json() == {"error": "login_locked", "message": LOCKED}
    assert "set-cookie" not in locked.headers
    assert "locked out for z****" in caplog.text
    assert "zhang" not in caplog.text


def test_five_failures_from_one_address_lock_it_out_for_every_name(client: TestClient) -> None:
    for index in range(5):
        assert _log_in(client, f"guess{index}", "wrong-password").status_code == 401
    assert _log_in(client, "zhang", PASSWORD).status_code == 429


def test_a_successful_login_clears_the_names_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_url: str
) -> None:
    monkeypatch.setenv("AGENT_LOGIN_MAX_FAILURES_PER_IP", "0")
    with _gateway(tmp_path, monkeypatch, sandbox_url) as test_client:
        for _ in range(4):
            assert _log_in(test_client, "zhang", "wrong-password").status_code == 401
        assert _log_in(test_client, "zhang", PASSWORD).status_code == 200
        for _ in range(4):
            assert _log_in(test_client, "zhang", "wrong-password").status_code == 401
        assert _log_in(test_client, "zhang", PASSWORD).status_code == 200


async def test_a_lockout_ends_after_its_window() -> None:
    limiter = LoginLimiter(MemoryStore(), LoginLimits(3, 0, window_seconds=60))
    for second in (0, 10, 20):
        assert not await limiter.locked("zhang", "10.0.0.1", now=second)
        await limiter.record_failure("zhang", "10.0.0.1", now=second)
    assert await limiter.locked("zhang", "10.0.0.9", now=21)
    assert await limiter.locked("zhang", "10.0.0.9", now=79)
    assert not await limiter.locked("zhang", "10.0.0.9", now=81)
    await limiter.record_failure("li", "10.0.0.1", now=100)
    await limiter.record_failure("li", "10.0.0.1", now=170)
    await limiter.record_failure("li", "10.0.0.1", now=180)
    assert not await limiter.locked("li", "10.0.0.1", now=181)  # the first failure is out of the window


def test_the_console_offers_every_bill_type_of_the_table(agent_client: TestClient) -> None:
    listed = agent_client.get("/api/agent/bill-types").json()["bill_types"]
    assert [item["bill_type"] for item in listed] == list(BILL_TYPES)
    assert {"bill_type": "cable_tv", "name": "有线电视费"}.items() <= listed[3].items()


def test_a_cable_tv_account_is_looked_up_like_a_utility(agent_client: TestClient) -> None:
    response = agent_client.post(
        "/api/agent/lookup/bill", json={"bill_type": "cable_tv", "account": "catv20230002"}
    )
    assert response.status_code == 200
    assert response.json()["found"] is True and "22.00元" in response.json()["text"]


def test_the_complaint_router_serves_its_top_three(agent_client: TestClient) -> None:
    text = "我们小区楼下的烧烤店每天晚上油烟特别大，熏得窗户都不敢开，希望环保部门管一管"
    categories = agent_client.post("/api/agent/complaints/route", json={"text": text}).json()["categories"]
    assert len(categories) == 3
    assert categories[0]["category"] == "environment" and categories[0]["name"] == "环境保护"
    scores = [item["score"] for item in categories]
    assert scores == sorted(scores, reverse=True) and sum(scores) <= 1.0 + 1e-6


def test_the_complaint_router_needs_the_agent_login(client: TestClient) -> None:
    response = client.post("/api/agent/complaints/route", json={"text": "油烟扰民"})
    assert response.status_code == 401 and "message" in response.json()
