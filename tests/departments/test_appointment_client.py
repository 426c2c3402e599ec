"""The appointment client against the real sandbox served over HTTP, faults included."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from departments.appointments import AppointmentClient, BookingRequest
from departments.base import DepartmentRejected, DepartmentUnavailable, RecordNotFound
from sandbox.routers.records import now
from tests.departments.conftest import LIMITS


def open_day(weekdays: set[int]) -> str:
    day = now().date() + timedelta(days=1)
    while day.isoweekday() not in weekdays:
        day += timedelta(days=1)
    return day.isoformat()


def request_for(resource: str = "H01-NK", start: str = "09:00", **extra: str) -> BookingRequest:
    day = extra.pop("date", open_day({1, 2, 3, 4, 5, 6}))
    return BookingRequest(
        resource=resource, date=day, start=start, citizen_name="张伟", phone="13805310001", **extra
    )


async def test_resolve_and_directory(sandbox_url: str) -> None:
    client = AppointmentClient(sandbox_url, LIMITS)
    found = await client.resolve("市立医院 骨科")
    assert [h.hospital_id for h in found.hospitals] == ["H01"]
    assert [c.clinic_id for c in found.clinics] == ["H01-GK"]
    assert found.clinics[0].hospital_name == "示例市立医院"
    halls = (await client.resolve("政务服务中心", kind="hall")).halls
    assert halls[0].hall_id == "G01"
    assert {service.name for service in halls[0].services} >= {"护照", "身份证"}
    assert len(await client.hospitals()) == 3
    assert [hall.hall_id for hall in await client.halls()] == ["G01", "G02"]


async def test_slots_and_alternatives(sandbox_url: str) -> None:
    client = AppointmentClient(sandbox_url, LIMITS)
    day = open_day({1, 2, 3, 4, 5, 6})
    afternoon = await client.free_slots("H01-NK", day, period="afternoon")
    assert afternoon.reason is None
    assert afternoon.slots[0].start == "13:30" and afternoon.slots[0].remaining == 4
    full = await client.free_slots("H01-GK", day)
    assert (full.slots, full.reason, full.message) == ([], "fully_booked", "这一天已约满")
    assert await client.nearest_slots("H01-GK") == []
    nearest = await client.nearest_slots("H01-NK", after=f"{day}T16:00", limit=2)
    assert [(slot.date, slot.start) for slot in nearest] == [(day, "16:00"), (day, "16:30")]


async def test_book_retry_list_and_cancel(sandbox_url: str) -> None:
    client = AppointmentClient(sandbox_url, LIMITS)
    request = request_for(start="10:00", citizen_id="C001")
    booking = await client.book(request, idempotency_key="wechat:o1:msg-1")
    again = await client.book(request, idempotency_key="wechat:o1:msg-1")
    assert again.booking_no == booking.booking_no
    assert (booking.status, booking.resource_name, booking.start, booking.end) == (
        "booked",
        "示例市立医院 内科",
        "10:00",
        "10:30",
    )
    active = await client.bookings_of(citizen_id="C001", only_active=True)
    assert [b.booking_no for b in active] == [booking.booking_no]
    moved = await client.reschedule(
        booking.booking_no, booking.date, "10:30", idempotency_key="wechat:o1:msg-2"
    )
    assert moved.start == "10:30" and moved.booking_no != booking.booking_no
    cancelled = await client.cancel(moved.booking_no)
    assert cancelled.status == "cancelled"
    assert (await client.cancel(moved.booking_no)).status == "cancelled"
    assert await client.bookings_of(citizen_id="C001", only_active=True) == []
    with pytest.raises(RecordNotFound):
        await client.cancel("H20990101-0001")


async def test_refusals_carry_a_code_and_a_chinese_message(sandbox_url: str) -> None:
    client = AppointmentClient(sandbox_url, LIMITS)
    cases = [
        (request_for(date=open_day({7})), "closed_day"),
        (request_for(resource="H01-GK"), "slot_full"),
        (request_for(resource="G01", start="09:30", date=open_day({1, 2, 3, 4, 5})), "unknown_service"),
        (BookingRequest("H01-NK", open_day({1}), "09:00", "张伟", "110"), "invalid_phone"),
    ]
    for request, code in cases:
        with pytest.raises(DepartmentRejected) as refused:
            await client.book(request, idempotency_key=f"refused-{code}")
        assert refused.value.code == code
        assert refused.value.department == "预约挂号系统"
        assert refused.value.message


async def test_a_hanging_department_is_unavailable_and_trips_the_breaker(sandbox_url: str) -> None:
    httpx.post(f"{sandbox_url}/_faults/appointments", json={"mode": "timeout"}).raise_for_status()
    client = AppointmentClient(sandbox_url, LIMITS)
    with pytest.raises(DepartmentUnavailable):
        await client.free_slots("H01-NK", open_day({1, 2, 3, 4, 5, 6}))
    with pytest.raises(DepartmentUnavailable):
        await client.book(request_for(start="11:00"), idempotency_key="during-outage")
    with pytest.raises(DepartmentUnavailable, match="circuit open"):
        await client.hospitals()


async def test_a_retried_booking_after_an_error_books_once(sandbox_url: str) -> None:
    """The first attempt fails with a 5xx; the retry with the same key books, and a later
    repeat of the message finds that booking instead of taking a second place."""
    httpx.post(f"{sandbox_url}/_faults/appointments", json={"mode": "error"}).raise_for_status()
    client = AppointmentClient(sandbox_url, LIMITS)
    request = request_for(resource="H02-ZY", start="08:30")
    with pytest.raises(DepartmentUnavailable):
        await client.book(request, idempotency_key="flaky-1")
    httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    first = await AppointmentClient(sandbox_url, LIMITS).book(request, idempotency_key="flaky-1")
    second = await AppointmentClient(sandbox_url, LIMITS).book(request, idempotency_key="flaky-1")
    assert first.booking_no == second.booking_no
    slots = await client.free_slots("H02-ZY", request.date, period="morning")
    assert next(slot.remaining for slot in slots.slots if slot.start == "08:30") == 3


async def test_a_booking_whose_answer_was_lost_is_found_by_its_key(sandbox_url: str) -> None:
    """The department stored the booking but its answer never came back: the write's key finds
    that booking; a key no write stored finds nothing, even for a booking that looks alike."""
    httpx.post(f"{sandbox_url}/_faults/appointments", json={"mode": "lost"}).raise_for_status()
    client = AppointmentClient(sandbox_url, LIMITS)
    request = replace(request_for(resource="H02-ZY", start="09:30"), phone="13805319999")
    with pytest.raises(DepartmentUnavailable):
        await client.book(request, idempotency_key="lost-answer-1")
    stored = await client.made_by("lost-answer-1")
    assert stored is not None and (stored.status, stored.start) == ("booked", "09:30")
    assert await client.made_by("lost-answer-2") is None
    httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    assert [b.booking_no for b in await client.bookings_of(phone=request.phone, only_active=True)] == [
        stored.booking_no
    ]


async def test_a_cancellation_whose_answer_was_lost_is_read_from_the_booking(sandbox_url: str) -> None:
    """The department cancelled but its answer never came back: the booking as it stands says
    cancelled; a number the department never gave is not found."""
    client = AppointmentClient(sandbox_url, LIMITS)
    made = await client.book(request_for(resource="H02-ZY", start="10:30"), idempotency_key="cancel-lost-1")
    httpx.post(f"{sandbox_url}/_faults/appointments", json={"mode": "lost"}).raise_for_status()
    with pytest.raises(DepartmentUnavailable):
        await client.cancel(made.booking_no)
    assert (await client.booking(made.booking_no)).status == "cancelled"
    httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    with pytest.raises(RecordNotFound):
        await client.booking("H20991231-9999")
