"""Client of the city's booking platform: hospital registration and government-hall
appointments (`/appointments/v1`).

Writes carry an Idempotency-Key chosen by the caller from the conversation (sender and
message), so a message Rasa or a channel delivers twice books one place, never two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from departments.base import DepartmentClient

Period = Literal["morning", "afternoon"]


@dataclass(frozen=True)
class Clinic:
    clinic_id: str
    name: str
    hospital_id: str
    hospital_name: str


@dataclass(frozen=True)
class Hospital:
    hospital_id: str
    name: str
    address: str
    hours: str
    clinics: list[Clinic]


@dataclass(frozen=True)
class HallService:
    id: str
    name: str


@dataclass(frozen=True)
class Hall:
    hall_id: str
    name: str
    address: str
    hours: str
    services: list[HallService]


@dataclass(frozen=True)
class Resolution:
    """What a citizen's words named, best match first in each list."""

    hospitals: list[Hospital]
    clinics: list[Clinic]
    halls: list[Hall]


@dataclass(frozen=True)
class Slot:
    resource_id: str
    date: str
    weekday: str
    start: str
    end: str
    period: Period
    remaining: int


@dataclass(frozen=True)
class DaySlots:
    """Free slots of one day; when empty, `reason` (closed_day, fully_booked, past_date,
    beyond_window) and `message` say why."""

    resource_id: str
    name: str
    date: str
    hours: str
    reason: str | None
    message: str | None
    slots: list[Slot]


@dataclass(frozen=True)
class BookingRequest:
    resource: str
    """Clinic id (H01-NK) or hall id (G01)."""
    date: str
    start: str
    citizen_name: str
    phone: str
    service: str | None = None
    """Hall service item (passport, id_card, ...); required for halls."""
    id_number: str | None = None
    citizen_id: str | None = None


@dataclass(frozen=True)
class Booking:
    booking_no: str
    status: Literal["booked", "cancelled"]
    kind: Literal["hospital", "gov_hall"]
    resource_id: str
    resource_name: str
    address: str
    service_name: str | None
    date: str
    weekday: str
    start: str
    end: str
    citizen_name: str
    phone: str
    replaced_by: str | None


class AppointmentClient(DepartmentClient):
    department_name = "预约挂号系统"

    async def resolve(
        self, text: str, kind: Literal["hospital", "clinic", "hall"] | None = None
    ) -> Resolution:
        params = {"text": text, **({"kind": kind} if kind else {})}
        record = await self._get("/appointments/v1/resolve", params=params)
        return Resolution(
            hospitals=[_hospital(item) for item in record["hospitals"]],
            clinics=[_clinic(item) for item in record["clinics"]],
            halls=[_hall(item) for item in record["halls"]],
        )

    async def hospitals(self) -> list[Hospital]:
        return [_hospital(item) for item in await self._get("/appointments/v1/hospitals")]

    async def halls(self) -> list[Hall]:
        return [_hall(item) for item in await self._get("/appointments/v1/halls")]

    async def free_slots(self, resource: str, date: str, period: Period | None = None) -> DaySlots:
        params = {"resource": resource, "date": date, **({"period": period} if period else {})}
        record = await self._get("/appointments/v1/slots", params=params)
        return DaySlots(
            resource_id=record["resource_id"],
            name=record["name"],
            date=record["date"],
            hours=record["hours"],
            reason=record["reason"],
            message=record["message"],
            slots=[_slot(item) for item in record["slots"]],
        )

    async def nearest_slots(
        self, resource: str, after: str | None = None, limit: int = 3, period: Period | None = None
    ) -> list[Slot]:
        """The first free slots from `after` ("YYYY-MM-DDTHH:MM", default now): alternatives
        to propose when the wanted slot is full or closed."""
        params: dict[str, Any] = {"resource": resource, "limit": limit}
        if after:
            params["after"] = after
        if period:
            params["period"] = period
        return [_slot(item) for item in await self._get("/appointments/v1/slots/nearest", params=params)]

    async def book(self, request: BookingRequest, idempotency_key: str) -> Booking:
        payload = {key: value for key, value in vars(request).items() if value is not None}
        return await self._write("/appointments/v1/bookings", payload, idempotency_key)

    async def reschedule(self, booking_no: str, date: str, start: str, idempotency_key: str) -> Booking:
        """Moves a booking to another slot of the same clinic or hall; the result has a new
        number and the old booking is cancelled, atomically."""
        path = f"/appointments/v1/bookings/{booking_no}/reschedule"
        return await self._write(path, {"date": date, "start": start}, idempotency_key)

    async def cancel(self, booking_no: str) -> Booking:
        """Cancelling is idempotent on the department side, so the call may be retried."""
        path = f"/appointments/v1/bookings/{booking_no}/cancel"
        return _booking(await self._post(path, {}, idempotency_key=f"cancel-{booking_no}"))

    async def bookings_of(
        self,
        phone: str | None = None,
        citizen_id: str | None = None,
        id_number: str | None = None,
        only_active: bool = False,
    ) -> list[Booking]:
        """The citizen's bookings, soonest first."""
        params = {
            key: value
            for key, value in (("phone", phone), ("citizen_id", citizen_id), ("id_number", id_number))
            if value
        }
        if only_active:
            params["status"] = "booked"
        return [_booking(item) for item in await self._get("/appointments/v1/bookings", params=params)]

    async def booking(self, booking_no: str) -> Booking:
        """One booking as the department holds it now (RecordNotFound when there is none): what
        a cancellation whose answer was lost did."""
        return _booking(await self._get(f"/appointments/v1/bookings/{booking_no}"))

    async def made_by(self, idempotency_key: str) -> Booking | None:
        """The booking a write with this key stored, None if the department stored none: what
        to tell the citizen after the write's answer was lost (the key is a hash, no personal data)."""
        stored = await self._stored_under(f"/appointments/v1/requests/{idempotency_key}")
        return None if stored is None else _booking(stored)

    async def _write(self, path: str, payload: dict[str, Any], idempotency_key: str) -> Booking:
        """Retried like a read after a timeout or 5xx: the key makes a retry return the booking
        the first attempt may have made, never a second one."""
        return _booking(await self._post(path, payload, idempotency_key=idempotency_key))


def _clinic(record: dict[str, Any]) -> Clinic:
    return Clinic(
        clinic_id=record["clinic_id"],
        name=record["name"],
        hospital_id=record["hospital_id"],
        hospital_name=record["hospital_name"],
    )


def _hospital(record: dict[str, Any]) -> Hospital:
    return Hospital(
        hospital_id=record["hospital_id"],
        name=record["name"],
        address=record["address"],
        hours=record["hours"],
        clinics=[_clinic(item) for item in record["clinics"]],
    )


def _hall(record: dict[str, Any]) -> Hall:
    return Hall(
        hall_id=record["hall_id"],
        name=record["name"],
        address=record["address"],
        hours=record["hours"],
        services=[HallService(id=item["id"], name=item["name"]) for item in record["services"]],
    )


def _slot(record: dict[str, Any]) -> Slot:
    return Slot(
        resource_id=record["resource_id"],
        date=record["date"],
        weekday=record["weekday"],
        start=record["start"],
        end=record["end"],
        period=record["period"],
        remaining=int(record["remaining"]),
    )


def _booking(record: dict[str, Any]) -> Booking:
    return Booking(
        booking_no=record["booking_no"],
        status=record["status"],
        kind=record["kind"],
        resource_id=record["resource_id"],
        resource_name=record["resource_name"],
        address=record["address"],
        service_name=record["service_name"],
        date=record["date"],
        weekday=record["weekday"],
        start=record["start"],
        end=record["end"],
        citizen_name=record["citizen_name"],
        phone=record["phone"],
        replaced_by=record["replaced_by"],
    )
