"""The complaint client against the real sandbox served over HTTP, faults included."""

from __future__ import annotations

import httpx
import pytest

from departments.base import DepartmentRejected, DepartmentUnavailable, RecordNotFound
from departments.complaints import ComplaintClient, ComplaintDraft
from tests.departments.conftest import LIMITS


async def test_categories_carry_examples_and_departments(sandbox_url: str) -> None:
    categories = {c.category: c for c in await ComplaintClient(sandbox_url, LIMITS).categories()}
    assert categories["environment"].department == "市生态环境局"
    assert "油烟扰民" in categories["environment"].examples


async def test_file_follow_and_rate(sandbox_url: str) -> None:
    client = ComplaintClient(sandbox_url, LIMITS)
    draft = ComplaintDraft(
        category="urban_construction",
        description="小区门口道路破损很久了，晚上骑车容易摔倒",
        location="环翠区文化中路",
        citizen_id="C001",
        contact_phone="13805310001",
    )
    ticket = await client.file(draft, idempotency_key="wechat:o1:msg-9")
    assert (await client.file(draft, idempotency_key="wechat:o1:msg-9")).ticket_id == ticket.ticket_id
    assert (ticket.status, ticket.department) == ("已受理", "市住房和城乡建设局")
    assert not ticket.can_be_rated
    mine = [t.ticket_id for t in await client.tickets_of(citizen_id="C001")]
    assert mine.count(ticket.ticket_id) == 1 and "12345-20261101-0001" in mine
    with pytest.raises(DepartmentRejected) as early:
        await client.rate(ticket.ticket_id, 5, idempotency_key="rate-early")
    assert early.value.code == "not_closed"
    httpx.post(
        f"{sandbox_url}/complaints/v1/tickets/{ticket.ticket_id}/status", json={"status": "已办结"}
    ).raise_for_status()
    closed = await client.ticket(ticket.ticket_id)
    assert closed.can_be_rated and [e.status for e in closed.history] == ["已受理", "已办结"]
    rated = await client.rate(ticket.ticket_id, 4, idempotency_key="rate-1", comment="处理及时")
    assert rated.satisfaction == 4
    assert (await client.rate(ticket.ticket_id, 4, idempotency_key="rate-1")).satisfaction == 4
    with pytest.raises(DepartmentRejected) as twice:
        await client.rate(ticket.ticket_id, 1, idempotency_key="rate-2")
    assert twice.value.code == "already_rated"
    with pytest.raises(RecordNotFound):
        await client.ticket("12345-20990101-0001")


async def test_invalid_input_is_a_rejection_not_a_crash(sandbox_url: str) -> None:
    client = ComplaintClient(sandbox_url, LIMITS)
    with pytest.raises(DepartmentRejected) as refused:
        await client.file(ComplaintDraft(category="weather", description="天气太热"), idempotency_key="bad-1")
    assert refused.value.code == "unknown_category"
    with pytest.raises(DepartmentRejected) as malformed:
        await client.rate("12345-20261020-0042", 9, idempotency_key="bad-2")
    assert malformed.value.code == "invalid_request"


async def test_a_slow_ticket_system_is_unavailable(sandbox_url: str) -> None:
    httpx.post(f"{sandbox_url}/_faults/complaints", json={"mode": "timeout"}).raise_for_status()
    client = ComplaintClient(sandbox_url, LIMITS)
    with pytest.raises(DepartmentUnavailable) as raised:
        await client.ticket("12345-20261101-0001")
    assert raised.value.department == "12345热线工单系统"
    draft = ComplaintDraft(category="environment", description="夜里工地施工噪音很大")
    with pytest.raises(DepartmentUnavailable):
        await client.file(draft, idempotency_key="during-outage")
    httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    assert await ComplaintClient(sandbox_url, LIMITS).tickets_of(citizen_id="C999") == []


async def test_a_ticket_whose_answer_was_lost_is_found_by_its_key(sandbox_url: str) -> None:
    """The ticket system stored the ticket but its answer never came back: the filing's key
    finds that ticket (the retry inside the client made none more); a key no filing stored
    finds nothing."""
    httpx.post(f"{sandbox_url}/_faults/complaints", json={"mode": "lost"}).raise_for_status()
    client = ComplaintClient(sandbox_url, LIMITS)
    draft = ComplaintDraft(
        category="environment", description="夜里烧烤摊油烟很大", contact_phone="13805318888"
    )
    with pytest.raises(DepartmentUnavailable):
        await client.file(draft, idempotency_key="lost-ticket-1")
    stored = await client.filed_by("lost-ticket-1")
    assert stored is not None and (stored.status, stored.description) == ("已受理", draft.description)
    assert await client.filed_by("lost-ticket-2") is None
    httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    assert [t.ticket_id for t in await client.tickets_of(phone="13805318888")] == [stored.ticket_id]
