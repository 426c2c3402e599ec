"""The 12345 ticket system over HTTP, on SQLite and on PostgreSQL: routing, idempotent
filing, ticket numbers under concurrency, status history and the one rating."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from sandbox.database import load_demo_data
from sandbox.routers.records import now
from tests.sandbox.conftest import post_all_at_once

DEMO = load_demo_data()
TICKETS = "/complaints/v1/tickets"
OPEN_DEMO_TICKET = "12345-20261101-0001"
CLOSED_DEMO_TICKET = "12345-20261020-0042"


def complaint(**extra: Any) -> dict[str, Any]:
    return {
        "category": "environment",
        "description": "小区楼下烧烤店每天晚上油烟很大，窗户都不敢开",
        "location": "环翠区文化中路88号",
        "contact_name": "张伟",
        "contact_phone": "13805310001",
        **extra,
    }


def file(client: TestClient | httpx.Client, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    return client.post(TICKETS, json=body, headers={"Idempotency-Key": key or uuid.uuid4().hex})


def code_of(response: httpx.Response) -> str:
    return response.json()["detail"]["code"]


def new_citizen_phone() -> str:
    """A contact phone of this test alone: on PostgreSQL the module shares one database."""
    return f"136{uuid.uuid4().int % 10**8:08d}"


def test_categories_route_to_departments(sandbox: TestClient) -> None:
    served = {c["category"]: c for c in sandbox.get("/complaints/v1/categories").json()}
    for category in DEMO["complaint_categories"]:
        assert served[category["category"]]["department"] == category["department"]
        assert served[category["category"]]["examples"] == category["examples"]
    assert "other" in served


def test_demo_tickets_are_served(sandbox: TestClient) -> None:
    ticket = sandbox.get(f"{TICKETS}/{OPEN_DEMO_TICKET}").json()
    assert (ticket["holder"], ticket["status"], ticket["department"]) == ("C001", "处理中", "市生态环境局")
    assert [event["status"] for event in ticket["history"]] == ["已受理", "已派单"]
    mine = sandbox.get(TICKETS, params={"citizen_id": "C001"}).json()
    assert OPEN_DEMO_TICKET in [t["ticket_id"] for t in mine]
    by_phone = sandbox.get(TICKETS, params={"phone": DEMO["citizens"][0]["phone"]}).json()
    assert OPEN_DEMO_TICKET in [t["ticket_id"] for t in by_phone]
    assert sandbox.get(f"{TICKETS}/12345-20990101-0001").status_code == 404


def test_filing_is_routed_and_idempotent(sandbox: TestClient) -> None:
    phone = new_citizen_phone()
    body = complaint(
        category="water_supply", description="我们小区这两天水压很低，高层没水", contact_phone=phone
    )
    created = file(sandbox, body, key="msg-1")
    assert created.status_code == 201
    ticket = created.json()
    assert re.fullmatch(rf"12345-{now():%Y%m%d}-\d{{4}}", ticket["ticket_id"])
    assert (ticket["status"], ticket["department"]) == ("已受理", "示例市供水集团")
    assert [event["status"] for event in ticket["history"]] == ["已受理"]
    again = file(sandbox, body, key="msg-1")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["ticket_id"] == ticket["ticket_id"]
    assert [t["ticket_id"] for t in sandbox.get(TICKETS, params={"phone": phone}).json()] == [
        ticket["ticket_id"]
    ]
    reused = file(sandbox, {**body, "description": "另一件事情"}, key="msg-1")
    assert (reused.status_code, code_of(reused)) == (409, "idempotency_key_reused")


def test_a_filing_is_looked_up_by_its_idempotency_key(sandbox: TestClient) -> None:
    """What a filing whose answer was lost did: the ticket it stored, or 404 when it stored none."""
    key = uuid.uuid4().hex
    ticket = file(sandbox, complaint(contact_phone=new_citizen_phone()), key=key).json()
    found = sandbox.get(f"/complaints/v1/requests/{key}")
    assert found.status_code == 200 and found.json() == ticket
    missing = sandbox.get(f"/complaints/v1/requests/{uuid.uuid4().hex}")
    assert (missing.status_code, code_of(missing)) == (404, "request_not_found")


def test_anonymous_tickets_hide_the_contact(sandbox: TestClient) -> None:
    phone = new_citizen_phone()
    ticket = file(sandbox, complaint(anonymous=True, contact_phone=phone)).json()
    assert ticket["anonymous"] is True
    assert ticket["contact_phone"] is None
    assert [t["ticket_id"] for t in sandbox.get(TICKETS, params={"phone": phone}).json()] == [
        ticket["ticket_id"]
    ]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (complaint(category="weather"), "unknown_category"),
        (complaint(contact_phone="12345"), "invalid_phone"),
        (complaint(citizen_id="C999"), "unknown_citizen"),
    ],
)
def test_invalid_complaints_are_refused(sandbox: TestClient, body: dict[str, Any], code: str) -> None:
    refused = file(sandbox, body)
    assert (refused.status_code, code_of(refused)) == (422, code)


def test_status_history_and_one_rating_once_closed(sandbox: TestClient) -> None:
    ticket_id = file(sandbox, complaint(citizen_id="C001")).json()["ticket_id"]
    early = sandbox.post(f"{TICKETS}/{ticket_id}/rating", json={"score": 5})
    assert (early.status_code, code_of(early)) == (409, "not_closed")
    for status in ("已派单", "处理中", "已办结"):
        moved = sandbox.post(f"{TICKETS}/{ticket_id}/status", json={"status": status, "note": f"{status}了"})
        assert moved.json()["status"] == status
    history = sandbox.get(f"{TICKETS}/{ticket_id}/history").json()
    assert [event["status"] for event in history] == ["已受理", "已派单", "处理中", "已办结"]
    reopened = sandbox.post(f"{TICKETS}/{ticket_id}/status", json={"status": "处理中"})
    assert (reopened.status_code, code_of(reopened)) == (409, "already_closed")
    rated = sandbox.post(
        f"{TICKETS}/{ticket_id}/rating",
        json={"score": 4, "comment": "很快"},
        headers={"Idempotency-Key": "rate-1"},
    )
    assert rated.status_code == 200
    assert rated.json()["satisfaction"] == 4
    retried = sandbox.post(
        f"{TICKETS}/{ticket_id}/rating", json={"score": 4}, headers={"Idempotency-Key": "rate-1"}
    )
    assert retried.json()["satisfaction"] == 4
    second = sandbox.post(f"{TICKETS}/{ticket_id}/rating", json={"score": 1})
    assert (second.status_code, code_of(second)) == (409, "already_rated")
    assert sandbox.post(f"{TICKETS}/{ticket_id}/rating", json={"score": 6}).status_code == 422


def test_the_closed_demo_ticket_can_be_rated(sandbox: TestClient) -> None:
    if sandbox.get(f"{TICKETS}/{CLOSED_DEMO_TICKET}").json()["satisfaction"] is None:
        assert sandbox.post(f"{TICKETS}/{CLOSED_DEMO_TICKET}/rating", json={"score": 5}).status_code == 200
    assert sandbox.get(f"{TICKETS}/{CLOSED_DEMO_TICKET}").json()["satisfaction"] == 5
    open_demo = sandbox.post(f"{TICKETS}/{OPEN_DEMO_TICKET}/rating", json={"score": 5})
    assert code_of(open_demo) == "not_closed"


def test_concurrent_tickets_get_distinct_numbers(served_sandbox: str) -> None:
    phone = new_citizen_phone()
    body = complaint(contact_phone=phone)
    responses = post_all_at_once(served_sandbox, TICKETS, [body] * 6, [uuid.uuid4().hex for _ in range(6)])
    assert [response.status_code for response in responses] == [201] * 6
    numbers = [response.json()["ticket_id"] for response in responses]
    assert len(set(numbers)) == 6
    twins = post_all_at_once(served_sandbox, TICKETS, [body, body], ["same-message", "same-message"])
    assert len({response.json()["ticket_id"] for response in twins}) == 1
    with httpx.Client(base_url=served_sandbox) as client:
        assert len(client.get(TICKETS, params={"phone": phone}).json()) == 7
