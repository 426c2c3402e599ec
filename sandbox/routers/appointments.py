"""Hospital registration and government-hall appointments, shaped like a city's unified
booking platform (统一预约平台): one API over clinics and halls.

Slots are not stored ahead; they follow from a schedule relative to today (the demo
`slot_template` for clinics, the hall's own opening hours for halls). Only places taken are
stored, one counter row per slot, which is where capacity is enforced.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from common.identity import id_number_problem, is_valid_phone
from sandbox.events import publish
from sandbox.models import Appointment, AppointmentSlot, Clinic, GovHall, Hospital, SlotTemplate
from sandbox.routers.dependencies import db_session
from sandbox.routers.records import (
    BEIJING,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    Problem,
    fingerprint,
    insert_missing,
    next_sequence,
    now,
    timestamp,
    write_with_retries,
)

router = APIRouter(prefix="/appointments/v1", tags=["appointments"])
DbSession = Annotated[Session, Depends(db_session)]
IdempotencyKey = Annotated[str, Header(min_length=1, max_length=IDEMPOTENCY_KEY_MAX_LENGTH)]

SERVICE_NAMES = {
    "id_card": "身份证",
    "household_registration": "户籍",
    "residence_permit": "居住证",
    "business_license": "营业执照",
    "passport": "护照",
    "hk_macao_permit": "港澳通行证",
    "marriage_registration": "婚姻登记",
    "social_security_card": "社保卡",
    "housing_fund_withdrawal": "公积金提取",
    "property_registration": "不动产登记",
}
EVENT_FIELDS = {
    "booking_no",
    "status",
    "kind",
    "resource_id",
    "resource_name",
    "address",
    "service",
    "service_name",
    "date",
    "weekday",
    "start",
    "end",
    "citizen_id",
}
WEEKDAY_NAMES = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}
_WEEKDAY_CHARS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
_HOURS_PART = re.compile(r"周([一二三四五六日天])(?:\s*[至到-]\s*周([一二三四五六日天]))?")
_TIME_SPAN = re.compile(r"(\d{1,2}:\d{2})\s*[-~至到]\s*(\d{1,2}:\d{2})")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
NOON = time(12, 0)
# Booking rules of halls, which the demo data leaves to the platform.
HALL_DEFAULT_BOOK_AHEAD_DAYS = 7
HALL_DEFAULT_CUTOFF_MINUTES = 30
HOSPITAL_PREFIX, HALL_PREFIX = "H", "G"
Named = TypeVar("Named", Hospital, Clinic, GovHall)


@dataclass(frozen=True)
class Schedule:
    """Opening spans per ISO weekday (1 = Monday) and the booking rules of one resource."""

    spans: dict[int, list[tuple[time, time]]]
    slot_minutes: int
    capacity: int
    book_ahead_days: int
    cutoff_minutes: int
    hours_text: str

    def slots(self, day: date) -> list[tuple[str, str]]:
        """(start, end) as "HH:MM" of every slot of `day`; empty on a closed day."""
        result = []
        step = timedelta(minutes=self.slot_minutes)
        for opens, closes in self.spans.get(day.isoweekday(), []):
            start = datetime.combine(day, opens)
            while start + step <= datetime.combine(day, closes):
                result.append((start.strftime("%H:%M"), (start + step).strftime("%H:%M")))
                start += step
        return result

    def last_day(self, today: date) -> date:
        return today + timedelta(days=self.book_ahead_days)


@dataclass(frozen=True)
class Resource:
    """A clinic or a hall, whichever the caller named."""

    kind: Literal["hospital", "gov_hall"]
    resource_id: str
    name: str
    address: str
    schedule: Schedule
    services: list[str]

    @property
    def prefix(self) -> str:
        return HOSPITAL_PREFIX if self.kind == "hospital" else HALL_PREFIX


class ClinicOut(BaseModel):
    clinic_id: str
    name: str
    aliases: list[str]
    hospital_id: str
    hospital_name: str


class HospitalOut(BaseModel):
    hospital_id: str
    name: str
    aliases: list[str]
    district: str
    address: str
    hours: str
    clinics: list[ClinicOut]


class ServiceOut(BaseModel):
    id: str
    name: str


class HallOut(BaseModel):
    hall_id: str
    name: str
    aliases: list[str]
    district: str
    address: str
    hours: str
    services: list[ServiceOut]


class ResolveOut(BaseModel):
    """Best match first in each list; an empty list means nothing of that kind was named."""

    hospitals: list[HospitalOut]
    clinics: list[ClinicOut]
    halls: list[HallOut]


class SlotOut(BaseModel):
    resource_id: str
    date: str
    weekday: str
    start: str
    end: str
    period: Literal["morning", "afternoon"]
    capacity: int
    remaining: int


class DaySlotsOut(BaseModel):
    """Free slots of one day; when there are none, `reason` says why with a code and message."""

    resource_id: str
    name: str
    date: str
    weekday: str
    hours: str
    reason: str | None
    message: str | None
    slots: list[SlotOut]


class BookingIn(BaseModel):
    resource: str = Field(min_length=1, max_length=16, description="clinic id (H01-NK) or hall id (G01)")
    service: str | None = Field(default=None, max_length=32, description="hall service item, e.g. passport")
    date: str = Field(max_length=10, description="YYYY-MM-DD")
    start: str = Field(max_length=5, description="slot start, HH:MM")
    citizen_name: str = Field(min_length=1, max_length=64)
    phone: str = Field(min_length=1, max_length=20)
    id_number: str | None = Field(default=None, max_length=18)
    citizen_id: str | None = Field(default=None, max_length=16)


class RescheduleIn(BaseModel):
    date: str = Field(max_length=10)
    start: str = Field(max_length=5)


class BookingOut(BaseModel):
    booking_no: str
    status: Literal["booked", "cancelled"]
    kind: Literal["hospital", "gov_hall"]
    resource_id: str
    resource_name: str
    address: str
    service: str | None
    service_name: str | None
    date: str
    weekday: str
    start: str
    end: str
    citizen_name: str
    phone: str
    id_number: str | None
    citizen_id: str | None
    created_at: str
    cancelled_at: str | None
    replaced_by: str | None


# --- directory ---------------------------------------------------------------------------


@router.get("/hospitals", response_model=list[HospitalOut])
def list_hospitals(db: DbSession) -> list[HospitalOut]:
    template = _template(db)
    return [_hospital_out(hospital, template) for hospital in db.scalars(select(Hospital))]


@router.get("/hospitals/{hospital_id}", response_model=HospitalOut)
def get_hospital(hospital_id: str, db: DbSession) -> HospitalOut:
    hospital = db.get(Hospital, hospital_id)
    if hospital is None:
        raise Problem(404, "unknown_hospital", "没有找到这家医院")
    return _hospital_out(hospital, _template(db))


@router.get("/halls", response_model=list[HallOut])
def list_halls(db: DbSession) -> list[HallOut]:
    return [_hall_out(hall) for hall in db.scalars(select(GovHall))]


@router.get("/halls/{hall_id}", response_model=HallOut)
def get_hall(hall_id: str, db: DbSession) -> HallOut:
    hall = db.get(GovHall, hall_id)
    if hall is None:
        raise Problem(404, "unknown_hall", "没有找到这个政务大厅")
    return _hall_out(hall)


@router.get("/resolve", response_model=ResolveOut)
def resolve(
    db: DbSession,
    text: Annotated[str, Query(min_length=1, max_length=100)],
    kind: Annotated[Literal["hospital", "clinic", "hall"] | None, Query()] = None,
) -> ResolveOut:
    """Maps what a citizen wrote ("市医院 骨科", "中医院针灸", "政务大厅") to ids by names and
    aliases, longest match first; clinics are looked for inside the hospitals named, if any."""
    text = re.sub(r"\s+", "", text)
    template = _template(db)
    hospitals = _ranked(text, text, list(db.scalars(select(Hospital))), _hospital_key)
    clinic_text = text
    candidates = list(db.scalars(select(Clinic)))
    if hospitals:
        best = _score(text, text, *_hospital_key(hospitals[0]))
        named = [h for h in hospitals if _score(text, text, *_hospital_key(h)) == best]
        candidates = [clinic for hospital in named for clinic in hospital.clinics]
        # The hospital's own name must not name a clinic too: 中医院 is no 中医 clinic.
        clinic_text = text.replace(_longest_name_in(text, _hospital_key(hospitals[0])[1]), "|")
    clinics = _ranked(text, clinic_text, candidates, lambda c: (c.clinic_id, [c.name, *c.aliases]))
    halls = _ranked(
        text, text, list(db.scalars(select(GovHall))), lambda g: (g.hall_id, [g.name, *g.aliases])
    )
    return ResolveOut(
        hospitals=[_hospital_out(h, template) for h in hospitals] if kind in (None, "hospital") else [],
        clinics=[_clinic_out(c) for c in clinics] if kind in (None, "clinic") else [],
        halls=[_hall_out(g) for g in halls] if kind in (None, "hall") else [],
    )


# --- slots -------------------------------------------------------------------------------


@router.get("/slots", response_model=DaySlotsOut)
def free_slots(
    db: DbSession,
    resource: Annotated[str, Query(min_length=1, max_length=16)],
    day: Annotated[str, Query(alias="date", max_length=10)],
    period: Annotated[Literal["morning", "afternoon"] | None, Query()] = None,
) -> DaySlotsOut:
    """Free slots with places left; past slots of today and those within the same-day
    cutoff are left out."""
    target = _resource(db, resource)
    wanted = _parse_date(day)
    moment = now()
    problem = _day_problem(target, wanted, moment)
    slots = [] if problem else _day_slots(db, target, wanted, moment)
    if period:
        slots = [slot for slot in slots if slot.period == period]
    free = [slot for slot in slots if slot.remaining > 0]
    if problem is None and not free:
        problem = Problem(409, "fully_booked", "这一天已约满" if period is None else "这个时段已约满")
    return DaySlotsOut(
        resource_id=target.resource_id,
        name=target.name,
        date=wanted.isoformat(),
        weekday=WEEKDAY_NAMES[wanted.isoweekday()],
        hours=target.schedule.hours_text,
        reason=problem.detail["code"] if problem else None,
        message=problem.detail["message"] if problem else None,
        slots=free,
    )


@router.get("/slots/nearest", response_model=list[SlotOut])
def nearest_slots(
    db: DbSession,
    resource: Annotated[str, Query(min_length=1, max_length=16)],
    after: Annotated[str | None, Query(max_length=16, description="YYYY-MM-DDTHH:MM; default now")] = None,
    limit: Annotated[int, Query(ge=1, le=20)] = 3,
    period: Annotated[Literal["morning", "afternoon"] | None, Query()] = None,
) -> list[SlotOut]:
    """The first free slots from `after` on, within the booking window: the alternatives to
    offer when the citizen's choice is full or closed. Empty when the window has none."""
    target = _resource(db, resource)
    moment = now()
    since = moment.replace(tzinfo=None)
    if after:
        try:
            since = max(since, datetime.fromisoformat(after))
        except ValueError:
            raise Problem(422, "invalid_time", "时间格式应为 YYYY-MM-DDTHH:MM") from None
    found: list[SlotOut] = []
    day = since.date()
    while day <= target.schedule.last_day(moment.date()) and len(found) < limit:
        if _day_problem(target, day, moment) is None:
            for slot in _day_slots(db, target, day, moment):
                later = day > since.date() or slot.start >= since.strftime("%H:%M")
                if later and slot.remaining > 0 and period in (None, slot.period):
                    found.append(slot)
        day += timedelta(days=1)
    return found[:limit]


# --- bookings ----------------------------------------------------------------------------


@router.post("/bookings", status_code=201, response_model=BookingOut)
def book(
    request: BookingIn, idempotency_key: IdempotencyKey, response: Response, db: DbSession
) -> BookingOut:
    """Takes one place. The same Idempotency-Key with the same request returns the same
    booking (header `Idempotent-Replayed: true`); with another request, 409."""
    digest = fingerprint({"operation": "book", **request.model_dump()})
    target = _resource(db, request.resource)
    service = _service(target, request.service)
    phone = re.sub(r"[\s-]", "", request.phone)
    if not is_valid_phone(phone):
        raise Problem(422, "invalid_phone", "手机号格式不对，应为11位手机号")
    id_number = request.id_number.strip().upper() if request.id_number else None
    if id_number and (problem := id_number_problem(id_number)):
        raise Problem(422, "invalid_id_number", problem)

    def attempt() -> BookingOut:
        if replay := _replay(db, idempotency_key, digest, response):
            return replay
        wanted, start, end = _check_slot(target, request.date, request.start)
        slot_id = _take_place(db, target, wanted, start)
        appointment = Appointment(
            booking_no=_booking_no(db, target, wanted),
            idempotency_key=idempotency_key,
            fingerprint=digest,
            kind=target.kind,
            resource_id=target.resource_id,
            service=service,
            slot_id=slot_id,
            date=wanted.isoformat(),
            start=start,
            end=end,
            citizen_name=request.citizen_name.strip(),
            phone=phone,
            id_number=id_number,
            citizen_id=request.citizen_id,
            status="booked",
            created_at=timestamp(),
        )
        db.add(appointment)
        db.flush()
        publish(db, "appointment.booked", _event_data(db, appointment))
        db.commit()
        return _booking_out(db, appointment)

    return write_with_retries(db, attempt)


@router.get("/bookings", response_model=list[BookingOut])
def list_bookings(
    db: DbSession,
    phone: Annotated[str | None, Query(max_length=20)] = None,
    citizen_id: Annotated[str | None, Query(max_length=16)] = None,
    id_number: Annotated[str | None, Query(max_length=18)] = None,
    status: Annotated[Literal["booked", "cancelled"] | None, Query()] = None,
) -> list[BookingOut]:
    """A citizen's bookings, soonest first; at least one identifier is required."""
    conditions = [
        column == value
        for column, value in (
            (Appointment.phone, phone),
            (Appointment.citizen_id, citizen_id),
            (Appointment.id_number, id_number.upper() if id_number else None),
        )
        if value
    ]
    if not conditions:
        raise Problem(400, "identifier_required", "请提供手机号、市民编号或身份证号")
    query = select(Appointment).where(or_(*conditions)).order_by(Appointment.date, Appointment.start)
    if status:
        query = query.where(Appointment.status == status)
    return [_booking_out(db, appointment) for appointment in db.scalars(query)]


@router.get("/requests/{idempotency_key}", response_model=BookingOut)
def booking_of_request(idempotency_key: str, db: DbSession) -> BookingOut:
    """The booking a write with this Idempotency-Key made (a booking or a reschedule), 404 if
    none was stored: a caller whose write timed out reads what the department did, instead of
    guessing from the booking's details (a booking of the same slot made earlier looks alike)."""
    made = db.scalar(select(Appointment).where(Appointment.idempotency_key == idempotency_key))
    if made is None:
        raise Problem(404, "request_not_found", "没有这个请求的预约记录")
    return _booking_out(db, made)


@router.get("/bookings/{booking_no}", response_model=BookingOut)
def get_booking(booking_no: str, db: DbSession) -> BookingOut:
    return _booking_out(db, _appointment(db, booking_no))


@router.post("/bookings/{booking_no}/cancel", response_model=BookingOut)
def cancel(booking_no: str, db: DbSession) -> BookingOut:
    """Idempotent: cancelling a cancelled booking returns it unchanged. The place is freed
    exactly once, even when two cancels race."""
    appointment = _appointment(db, booking_no)
    if appointment.status == "booked":
        if _starts_at(appointment) <= now().replace(tzinfo=None):
            raise Problem(409, "already_started", "预约时间已过，不能取消")
        if _release(db, appointment):
            db.refresh(appointment)
            publish(db, "appointment.cancelled", _event_data(db, appointment))
        db.commit()
        db.refresh(appointment)
    return _booking_out(db, appointment)


@router.post("/bookings/{booking_no}/reschedule", status_code=201, response_model=BookingOut)
def reschedule(
    booking_no: str,
    request: RescheduleIn,
    idempotency_key: IdempotencyKey,
    response: Response,
    db: DbSession,
) -> BookingOut:
    """Moves a booking to another slot of the same clinic or hall in one transaction: the
    new booking (new number) exists and the old one is cancelled, or nothing changed."""
    digest = fingerprint({"operation": "reschedule", "booking_no": booking_no, **request.model_dump()})

    def attempt() -> BookingOut:
        if replay := _replay(db, idempotency_key, digest, response):
            return replay
        old = _appointment(db, booking_no)
        if old.status != "booked":
            raise Problem(409, "not_active", "这个预约已取消，不能改期")
        target = _resource(db, old.resource_id)
        wanted, start, end = _check_slot(target, request.date, request.start)
        if (wanted.isoformat(), start) == (old.date, old.start):
            raise Problem(409, "same_slot", "新时间和原预约相同")
        if not _release(db, old):
            raise Problem(409, "not_active", "这个预约已取消，不能改期")
        slot_id = _take_place(db, target, wanted, start)
        new = Appointment(
            booking_no=_booking_no(db, target, wanted),
            idempotency_key=idempotency_key,
            fingerprint=digest,
            kind=old.kind,
            resource_id=old.resource_id,
            service=old.service,
            slot_id=slot_id,
            date=wanted.isoformat(),
            start=start,
            end=end,
            citizen_name=old.citizen_name,
            phone=old.phone,
            id_number=old.id_number,
            citizen_id=old.citizen_id,
            status="booked",
            created_at=timestamp(),
        )
        db.add(new)
        db.flush()
        db.refresh(old)
        publish(db, "appointment.cancelled", {**_event_data(db, old), "replaced_by": new.booking_no})
        publish(db, "appointment.booked", _event_data(db, new))
        db.execute(
            update(Appointment)
            .where(Appointment.booking_no == old.booking_no)
            .values(replaced_by=new.booking_no)
            .execution_options(synchronize_session=False)
        )
        db.commit()
        return _booking_out(db, new)

    return write_with_retries(db, attempt)


# --- internals ---------------------------------------------------------------------------


def _template(db: Session) -> SlotTemplate | None:
    return db.get(SlotTemplate, "hospital")


def _resource(db: Session, resource_id: str) -> Resource:
    clinic = db.get(Clinic, resource_id)
    template = _template(db)
    if clinic is not None and template is not None:
        hospital = clinic.hospital
        return Resource(
            kind="hospital",
            resource_id=clinic.clinic_id,
            name=f"{hospital.name} {clinic.name}",
            address=hospital.address,
            schedule=_clinic_schedule(template, fully_booked=clinic.fully_booked),
            services=[],
        )
    hall = db.get(GovHall, resource_id)
    if hall is not None:
        return Resource(
            kind="gov_hall",
            resource_id=hall.hall_id,
            name=hall.name,
            address=hall.address,
            schedule=Schedule(
                spans=parse_hours(hall.hours),
                slot_minutes=hall.slot_minutes,
                capacity=hall.capacity,
                book_ahead_days=template.book_ahead_days if template else HALL_DEFAULT_BOOK_AHEAD_DAYS,
                cutoff_minutes=template.same_day_cutoff_minutes if template else HALL_DEFAULT_CUTOFF_MINUTES,
                hours_text=hall.hours,
            ),
            services=list(hall.services),
        )
    raise Problem(404, "unknown_resource", "没有找到这个科室或大厅")


def _clinic_schedule(template: SlotTemplate, fully_booked: bool = False) -> Schedule:
    spans = [
        (_clock(template.morning_start), _clock(template.morning_end)),
        (_clock(template.afternoon_start), _clock(template.afternoon_end)),
    ]
    return Schedule(
        spans={weekday: spans for weekday in template.weekdays},
        slot_minutes=template.slot_minutes,
        capacity=0 if fully_booked else template.capacity,
        book_ahead_days=template.book_ahead_days,
        cutoff_minutes=template.same_day_cutoff_minutes,
        hours_text=_describe_hours(template),
    )


def _describe_hours(template: SlotTemplate) -> str:
    days = sorted(template.weekdays)
    contiguous = days == list(range(days[0], days[-1] + 1)) if days else False
    if contiguous and len(days) > 1:
        day_text = f"{WEEKDAY_NAMES[days[0]]}至{WEEKDAY_NAMES[days[-1]]}"
    else:
        day_text = "、".join(WEEKDAY_NAMES[day] for day in days)
    return (
        f"{day_text} {_short(template.morning_start)}-{template.morning_end}，"
        f"{_short(template.afternoon_start)}-{template.afternoon_end}"
    )


def parse_hours(text: str) -> dict[int, list[tuple[time, time]]]:
    """ "周一至周五 9:00-17:00，周六 9:00-12:00" -> {1: [(9:00, 17:00)], ..., 6: [(9:00, 12:00)]}."""
    spans: dict[int, list[tuple[time, time]]] = {}
    for part in re.split(r"[，,；;。]", text):
        days = _HOURS_PART.search(part)
        if not days:
            continue
        first = _WEEKDAY_CHARS[days.group(1)]
        last = _WEEKDAY_CHARS[days.group(2)] if days.group(2) else first
        for opens, closes in _TIME_SPAN.findall(part):
            for weekday in range(first, last + 1):
                spans.setdefault(weekday, []).append((_clock(opens), _clock(closes)))
    return spans


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _short(value: str) -> str:
    return value.removeprefix("0")


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Problem(422, "invalid_date", "日期格式应为 YYYY-MM-DD") from None


def _parse_start(value: str) -> str:
    match = _CLOCK.match(value.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise Problem(422, "invalid_time", "时间格式应为 HH:MM，例如 09:30")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _day_problem(target: Resource, day: date, moment: datetime) -> Problem | None:
    """Why nothing can be booked on `day` at all, or None."""
    today = moment.date()
    schedule = target.schedule
    if day < today:
        return Problem(422, "past_date", "不能预约已经过去的日期")
    last = schedule.last_day(today)
    if day > last:
        return Problem(
            422,
            "beyond_window",
            f"只能预约{schedule.book_ahead_days}天内的号，最晚{last.month}月{last.day}日",
        )
    if not schedule.slots(day):
        return Problem(
            422, "closed_day", f"{WEEKDAY_NAMES[day.isoweekday()]}不开放，开放时间：{schedule.hours_text}"
        )
    return None


def _check_slot(target: Resource, day_text: str, start_text: str) -> tuple[date, str, str]:
    """The wanted day, slot start and end, after every rule but capacity."""
    day = _parse_date(day_text)
    start = _parse_start(start_text)
    moment = now()
    if problem := _day_problem(target, day, moment):
        raise problem
    ends = dict(target.schedule.slots(day))
    if start not in ends:
        raise Problem(
            422, "outside_hours", f"{start}不是可预约的时段，开放时间：{target.schedule.hours_text}"
        )
    if not _bookable_now(target, day, start, moment):
        raise Problem(
            422,
            "too_late",
            f"当天预约需提前{target.schedule.cutoff_minutes}分钟，这个时段已经约不了了",
        )
    return day, start, ends[start]


def _bookable_now(target: Resource, day: date, start: str, moment: datetime) -> bool:
    begins = datetime.combine(day, _clock(start), tzinfo=BEIJING)
    return begins >= moment + timedelta(minutes=target.schedule.cutoff_minutes)


def _day_slots(db: Session, target: Resource, day: date, moment: datetime) -> list[SlotOut]:
    """Every slot of `day` still bookable now, with its places left."""
    taken = {
        row.start: row
        for row in db.scalars(
            select(AppointmentSlot).where(
                AppointmentSlot.resource_id == target.resource_id, AppointmentSlot.date == day.isoformat()
            )
        )
    }
    slots = []
    for start, end in target.schedule.slots(day):
        if not _bookable_now(target, day, start, moment):
            continue
        row = taken.get(start)
        capacity = row.capacity if row else target.schedule.capacity
        slots.append(
            SlotOut(
                resource_id=target.resource_id,
                date=day.isoformat(),
                weekday=WEEKDAY_NAMES[day.isoweekday()],
                start=start,
                end=end,
                period="morning" if _clock(start) < NOON else "afternoon",
                capacity=capacity,
                remaining=capacity - (row.booked if row else 0),
            )
        )
    return slots


def _service(target: Resource, service: str | None) -> str | None:
    if target.kind == "hospital":
        return None
    if service not in target.services:
        offered = "、".join(SERVICE_NAMES.get(item, item) for item in target.services)
        raise Problem(422, "unknown_service", f"请选择要办理的事项：{offered}")
    return service


def _take_place(db: Session, target: Resource, day: date, start: str) -> int:
    """Takes one place of the slot or raises 409 slot_full; the conditional UPDATE is the
    capacity check, so it cannot be raced."""
    slot = {"resource_id": target.resource_id, "date": day.isoformat(), "start": start}
    insert_missing(db, AppointmentSlot, capacity=target.schedule.capacity, booked=0, **slot)
    taken = db.execute(
        update(AppointmentSlot)
        .filter_by(**slot)
        .where(AppointmentSlot.booked < AppointmentSlot.capacity)
        .values(booked=AppointmentSlot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise Problem(409, "slot_full", "这个时段已约满，请换一个时间")
    return db.scalar(select(AppointmentSlot.id).filter_by(**slot))


def _release(db: Session, appointment: Appointment) -> bool:
    """Cancels a booked appointment and frees its place; False if it was no longer booked."""
    cancelled = db.execute(
        update(Appointment)
        .where(Appointment.booking_no == appointment.booking_no, Appointment.status == "booked")
        .values(status="cancelled", cancelled_at=timestamp())
        .execution_options(synchronize_session=False)
    )
    if cancelled.rowcount != 1:
        return False
    db.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == appointment.slot_id, AppointmentSlot.booked > 0)
        .values(booked=AppointmentSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )
    return True


def _booking_no(db: Session, target: Resource, day: date) -> str:
    """ "H20261124-0003": clinic (H) or hall (G), appointment day, that day's sequence."""
    stem = f"{target.prefix}{day:%Y%m%d}"
    return f"{stem}-{next_sequence(db, f'booking:{stem}'):04d}"


def _replay(db: Session, key: str, digest: str, response: Response) -> BookingOut | None:
    earlier = db.scalar(select(Appointment).where(Appointment.idempotency_key == key))
    if earlier is None:
        return None
    if earlier.fingerprint != digest:
        raise Problem(409, "idempotency_key_reused", "这个请求编号已用于另一笔预约")
    response.headers["Idempotent-Replayed"] = "true"
    return _booking_out(db, earlier)


def _appointment(db: Session, booking_no: str) -> Appointment:
    appointment = db.get(Appointment, booking_no)
    if appointment is None:
        raise Problem(404, "booking_not_found", "没有找到这个预约")
    return appointment


def _starts_at(appointment: Appointment) -> datetime:
    return datetime.combine(date.fromisoformat(appointment.date), _clock(appointment.start))


def _event_data(db: Session, appointment: Appointment) -> dict[str, object]:
    """The booking as a reminder needs it; name, phone and id number stay in the system."""
    return _booking_out(db, appointment).model_dump(include=EVENT_FIELDS)


def _booking_out(db: Session, appointment: Appointment) -> BookingOut:
    target = _resource(db, appointment.resource_id)
    day = date.fromisoformat(appointment.date)
    return BookingOut(
        booking_no=appointment.booking_no,
        status=appointment.status,
        kind=appointment.kind,
        resource_id=appointment.resource_id,
        resource_name=target.name,
        address=target.address,
        service=appointment.service,
        service_name=SERVICE_NAMES.get(appointment.service or "", appointment.service),
        date=appointment.date,
        weekday=WEEKDAY_NAMES[day.isoweekday()],
        start=appointment.start,
        end=appointment.end,
        citizen_name=appointment.citizen_name,
        phone=appointment.phone,
        id_number=appointment.id_number,
        citizen_id=appointment.citizen_id,
        created_at=appointment.created_at,
        cancelled_at=appointment.cancelled_at,
        replaced_by=appointment.replaced_by,
    )


def _clinic_out(clinic: Clinic) -> ClinicOut:
    return ClinicOut(
        clinic_id=clinic.clinic_id,
        name=clinic.name,
        aliases=list(clinic.aliases),
        hospital_id=clinic.hospital_id,
        hospital_name=clinic.hospital.name,
    )


def _hospital_out(hospital: Hospital, template: SlotTemplate | None) -> HospitalOut:
    return HospitalOut(
        hospital_id=hospital.hospital_id,
        name=hospital.name,
        aliases=list(hospital.aliases),
        district=hospital.district,
        address=hospital.address,
        hours=_describe_hours(template) if template else "",
        clinics=[_clinic_out(clinic) for clinic in hospital.clinics],
    )


def _hall_out(hall: GovHall) -> HallOut:
    return HallOut(
        hall_id=hall.hall_id,
        name=hall.name,
        aliases=list(hall.aliases),
        district=hall.district,
        address=hall.address,
        hours=hall.hours,
        services=[ServiceOut(id=item, name=SERVICE_NAMES.get(item, item)) for item in hall.services],
    )


def _longest_name_in(text: str, names: list[str]) -> str:
    """The longest of `names` found in `text`, or the whole text when it is part of a name."""
    inside = [name for name in names if name and name in text]
    if inside:
        return max(inside, key=len)
    return text if len(text) >= 2 and any(text in name for name in names) else ""


def _score(full_text: str, text: str, record_id: str, names: list[str]) -> int:
    """How well `text` names a record: the length of the name found; an id counts anywhere."""
    by_id = len(record_id) if record_id.upper() in full_text.upper() else 0
    return max(by_id, len(_longest_name_in(text, names)))


def _ranked(
    full_text: str, text: str, records: Sequence[Named], key: Callable[[Named], tuple[str, list[str]]]
) -> list[Named]:
    scored = [(score, record) for record in records if (score := _score(full_text, text, *key(record)))]
    return [record for _, record in sorted(scored, key=lambda pair: -pair[0])]


def _hospital_key(hospital: Hospital) -> tuple[str, list[str]]:
    return hospital.hospital_id, [hospital.name, *hospital.aliases]
