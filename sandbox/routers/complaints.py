"""The 12345 hotline's ticket system (工单系统): categories with the department each goes to,
tickets with their status history, and the citizen's satisfaction rating once closed.

A ticket is committed before its number is returned, so a citizen told "受理了" can always
find it again; an Idempotency-Key makes a repeated message create no second ticket.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from common.identity import is_valid_phone
from sandbox.events import publish
from sandbox.models import Citizen, ComplaintCategory, ComplaintEvent, ComplaintTicket
from sandbox.routers.dependencies import db_session
from sandbox.routers.records import (
    BEIJING,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    Problem,
    fingerprint,
    next_sequence,
    now,
    timestamp,
    write_with_retries,
)

router = APIRouter(prefix="/complaints/v1", tags=["complaints"])
DbSession = Annotated[Session, Depends(db_session)]
IdempotencyKey = Annotated[str, Header(min_length=1, max_length=IDEMPOTENCY_KEY_MAX_LENGTH)]

ACCEPTED, DISPATCHED, IN_PROGRESS, CLOSED = "已受理", "已派单", "处理中", "已办结"
Status = Literal["已受理", "已派单", "处理中", "已办结"]
TICKET_PREFIX = "12345"
TITLE_LENGTH = 30
MAX_LISTED = 2000


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    category: str
    name: str
    department: str
    examples: list[str]


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: str
    status: str
    note: str | None


class TicketOut(BaseModel):
    """The contact is left out of anonymous tickets, as the handling department sees them."""

    ticket_id: str
    holder: str | None
    category: str
    category_name: str
    department: str
    title: str
    description: str | None
    location: str | None
    status: str
    created_at: str
    anonymous: bool
    contact_name: str | None
    contact_phone: str | None
    satisfaction: int | None
    rating_comment: str | None
    rated_at: str | None
    history: list[EventOut]


class TicketIn(BaseModel):
    category: str = Field(min_length=1, max_length=32)
    description: str = Field(min_length=2, max_length=2000)
    title: str | None = Field(default=None, max_length=128)
    location: str | None = Field(default=None, max_length=128)
    citizen_id: str | None = Field(default=None, max_length=16)
    contact_name: str | None = Field(default=None, max_length=64)
    contact_phone: str | None = Field(default=None, max_length=20)
    anonymous: bool = False


class StatusIn(BaseModel):
    status: Status
    note: str | None = Field(default=None, max_length=256)


class RatingIn(BaseModel):
    score: int = Field(ge=1, le=5, description="1 very dissatisfied ... 5 very satisfied")
    comment: str | None = Field(default=None, max_length=256)


@router.get("/categories", response_model=list[CategoryOut])
def categories(db: DbSession) -> list[ComplaintCategory]:
    """Every category with the department it goes to and typical examples, which an
    assistant can match a citizen's words against."""
    return list(db.scalars(select(ComplaintCategory)))


@router.post("/tickets", status_code=201, response_model=TicketOut)
def create_ticket(
    request: TicketIn, idempotency_key: IdempotencyKey, response: Response, db: DbSession
) -> TicketOut:
    """Registers a ticket routed to its category's department. The same Idempotency-Key with
    the same request returns the same ticket (`Idempotent-Replayed: true`); otherwise 409."""
    digest = fingerprint({"operation": "create_ticket", **request.model_dump()})
    category = db.get(ComplaintCategory, request.category)
    if category is None:
        raise Problem(422, "unknown_category", "没有这个投诉类别")
    phone = re.sub(r"[\s-]", "", request.contact_phone) if request.contact_phone else None
    if phone and not is_valid_phone(phone):
        raise Problem(422, "invalid_phone", "手机号格式不对，应为11位手机号")
    if request.citizen_id and db.get(Citizen, request.citizen_id) is None:
        raise Problem(422, "unknown_citizen", "没有找到这位市民")
    description = request.description.strip()

    def attempt() -> TicketOut:
        if replay := _replay(db, idempotency_key, digest, response):
            return replay
        created = now()
        day = f"{created:%Y%m%d}"
        ticket = ComplaintTicket(
            ticket_id=f"{TICKET_PREFIX}-{day}-{_next_number(db, day):04d}",
            idempotency_key=idempotency_key,
            fingerprint=digest,
            holder=request.citizen_id,
            category=category.category,
            title=(request.title or description[:TITLE_LENGTH]).strip(),
            description=description,
            location=request.location,
            department=category.department,
            status=ACCEPTED,
            created_at=timestamp(created),
            contact_name=request.contact_name,
            contact_phone=phone,
            anonymous=request.anonymous,
        )
        ticket.history.append(ComplaintEvent(at=ticket.created_at, status=ACCEPTED, note=None))
        db.add(ticket)
        publish(db, "ticket.created", _event_data(ticket, ACCEPTED, None, ticket.created_at))
        db.commit()
        return _ticket_out(db, ticket)

    return write_with_retries(db, attempt)


@router.get("/tickets", response_model=list[TicketOut])
def list_tickets(
    db: DbSession,
    citizen_id: Annotated[str | None, Query(max_length=16)] = None,
    phone: Annotated[str | None, Query(max_length=20)] = None,
    status: Annotated[Status | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="created at or after (ISO-8601)")] = None,
    until: Annotated[datetime | None, Query(description="created before (ISO-8601)")] = None,
) -> list[TicketOut]:
    """A citizen's tickets, newest first; by citizen id, by contact phone, or both. With
    `since` (and optionally `until`) and no identifier: every ticket created in that span, as
    the 12345 centre reviews them (hotspots); an identifier and a span narrow each other."""
    if since is not None or until is not None:
        return _tickets_between(db, since, until, citizen_id, phone, status)
    conditions = []
    if citizen_id:
        conditions.append(ComplaintTicket.holder == citizen_id)
    if phone:
        conditions.append(ComplaintTicket.contact_phone == phone)
        conditions.append(
            ComplaintTicket.holder.in_(select(Citizen.citizen_id).where(Citizen.phone == phone))
        )
    if not conditions:
        raise Problem(400, "identifier_required", "请提供市民编号或手机号")
    query = select(ComplaintTicket).where(or_(*conditions)).order_by(ComplaintTicket.created_at.desc())
    if status:
        query = query.where(ComplaintTicket.status == status)
    return [_ticket_out(db, ticket) for ticket in db.scalars(query)]


def _tickets_between(
    db: Session,
    since: datetime | None,
    until: datetime | None,
    citizen_id: str | None,
    phone: str | None,
    status: str | None,
) -> list[TicketOut]:
    """Tickets created in [since, until), newest first. created_at is stored as ISO text in
    Beijing time, so the bounds are turned into the same text and compared as strings."""
    if until is not None and since is not None and until <= since:
        raise Problem(422, "invalid_span", "结束时间必须晚于开始时间")
    if (since is not None and since.tzinfo is None) or (until is not None and until.tzinfo is None):
        raise Problem(422, "timezone_required", "时间需带时区，例如 2026-11-01T00:00:00+08:00")
    query = select(ComplaintTicket).order_by(ComplaintTicket.created_at.desc())
    if since is not None:
        query = query.where(ComplaintTicket.created_at >= timestamp(since.astimezone(BEIJING)))
    if until is not None:
        query = query.where(ComplaintTicket.created_at < timestamp(until.astimezone(BEIJING)))
    if citizen_id:
        query = query.where(ComplaintTicket.holder == citizen_id)
    if phone:
        query = query.where(ComplaintTicket.contact_phone == phone)
    if status:
        query = query.where(ComplaintTicket.status == status)
    return [_ticket_out(db, ticket) for ticket in db.scalars(query.limit(MAX_LISTED))]


@router.get("/requests/{idempotency_key}", response_model=TicketOut)
def ticket_of_request(idempotency_key: str, db: DbSession) -> TicketOut:
    """The ticket a filing with this Idempotency-Key stored, 404 if none was: a caller whose
    filing timed out or failed reads what the ticket system did, instead of telling the
    citizen "not filed" about a ticket that was stored (or filing it a second time)."""
    made = db.scalar(select(ComplaintTicket).where(ComplaintTicket.idempotency_key == idempotency_key))
    if made is None:
        raise Problem(404, "request_not_found", "没有这个请求的工单记录")
    return _ticket_out(db, made)


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: str, db: DbSession) -> TicketOut:
    return _ticket_out(db, _ticket(db, ticket_id))


@router.get("/tickets/{ticket_id}/history", response_model=list[EventOut])
def ticket_history(ticket_id: str, db: DbSession) -> list[ComplaintEvent]:
    return list(_ticket(db, ticket_id).history)


@router.post("/tickets/{ticket_id}/status", response_model=TicketOut)
def change_status(ticket_id: str, change: StatusIn, db: DbSession) -> TicketOut:
    """The handling department's side (and the tests'): moves a ticket on. A closed ticket
    stays closed; the same status again is accepted without a new history entry."""
    ticket = _ticket(db, ticket_id)
    if ticket.status == change.status:
        return _ticket_out(db, ticket)
    if ticket.status == CLOSED:
        raise Problem(409, "already_closed", "工单已办结，不能再改状态")
    moved = db.execute(
        update(ComplaintTicket)
        .where(ComplaintTicket.ticket_id == ticket_id, ComplaintTicket.status == ticket.status)
        .values(status=change.status)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        db.rollback()
        raise Problem(409, "conflict", "工单状态刚刚变化，请刷新后再试")
    at = timestamp()
    db.add(ComplaintEvent(ticket_id=ticket_id, at=at, status=change.status, note=change.note))
    publish(db, "ticket.status_changed", _event_data(ticket, change.status, change.note, at))
    db.commit()
    db.refresh(ticket)
    return _ticket_out(db, ticket)


@router.post("/tickets/{ticket_id}/rating", response_model=TicketOut)
def rate(
    ticket_id: str,
    rating: RatingIn,
    db: DbSession,
    idempotency_key: Annotated[str | None, Header(max_length=IDEMPOTENCY_KEY_MAX_LENGTH)] = None,
) -> TicketOut:
    """One rating per ticket, only once it is closed (已办结). A retry carrying the key of
    the rating that was stored gets the ticket again instead of 409."""
    ticket = _ticket(db, ticket_id)
    if ticket.satisfaction is not None:
        if idempotency_key and ticket.rating_key == idempotency_key:
            return _ticket_out(db, ticket)
        raise Problem(409, "already_rated", "这个工单已经评价过了")
    if ticket.status != CLOSED:
        raise Problem(409, "not_closed", "工单办结后才能评价")
    rated = db.execute(
        update(ComplaintTicket)
        .where(
            ComplaintTicket.ticket_id == ticket_id,
            ComplaintTicket.satisfaction.is_(None),
            ComplaintTicket.status == CLOSED,
        )
        .values(
            satisfaction=rating.score,
            rating_comment=rating.comment,
            rated_at=timestamp(),
            rating_key=idempotency_key,
        )
        .execution_options(synchronize_session=False)
    )
    if rated.rowcount != 1:
        db.rollback()
        raise Problem(409, "already_rated", "这个工单已经评价过了")
    db.commit()
    db.refresh(ticket)
    return _ticket_out(db, ticket)


def _event_data(ticket: ComplaintTicket, status: str, note: str | None, at: str) -> dict[str, object]:
    """What the assistant needs to tell the complainant; no contact details leave the system."""
    return {
        "ticket_id": ticket.ticket_id,
        "status": status,
        "note": note,
        "department": ticket.department,
        "title": ticket.title,
        "holder": ticket.holder,
        "at": at,
    }


def _next_number(db: Session, day: str) -> int:
    """The day's next ticket number, continuing after tickets already there (the demo's)."""
    prefix = f"{TICKET_PREFIX}-{day}-"
    existing = db.scalars(
        select(ComplaintTicket.ticket_id).where(ComplaintTicket.ticket_id.startswith(prefix))
    )
    highest = max((int(ticket_id.removeprefix(prefix)) for ticket_id in existing), default=0)
    return next_sequence(db, f"ticket:{day}", start_after=highest)


def _replay(db: Session, key: str, digest: str, response: Response) -> TicketOut | None:
    earlier = db.scalar(select(ComplaintTicket).where(ComplaintTicket.idempotency_key == key))
    if earlier is None:
        return None
    if earlier.fingerprint != digest:
        raise Problem(409, "idempotency_key_reused", "这个请求编号已用于另一件投诉")
    response.headers["Idempotent-Replayed"] = "true"
    return _ticket_out(db, earlier)


def _ticket(db: Session, ticket_id: str) -> ComplaintTicket:
    ticket = db.get(ComplaintTicket, ticket_id.strip())
    if ticket is None:
        raise Problem(404, "ticket_not_found", "没有找到这个工单，请核对工单号")
    return ticket


def _ticket_out(db: Session, ticket: ComplaintTicket) -> TicketOut:
    category = db.get(ComplaintCategory, ticket.category)
    hidden = ticket.anonymous
    return TicketOut(
        ticket_id=ticket.ticket_id,
        holder=ticket.holder,
        category=ticket.category,
        category_name=category.name if category else ticket.category,
        department=ticket.department,
        title=ticket.title,
        description=ticket.description,
        location=ticket.location,
        status=ticket.status,
        created_at=ticket.created_at,
        anonymous=ticket.anonymous,
        contact_name=None if hidden else ticket.contact_name,
        contact_phone=None if hidden else ticket.contact_phone,
        satisfaction=ticket.satisfaction,
        rating_comment=ticket.rating_comment,
        rated_at=ticket.rated_at,
        history=[EventOut.model_validate(event) for event in ticket.history],
    )
