"""The agent console's one-click back-office steps: file a 12345 ticket for the caller, look
up a bill or the caller's bookings.

They go through the same department clients and reply renderers as the dialogue, so an
agent and the assistant file the same tickets and read out the same answers; only the
clients are the gateway's own, pointed at the sandbox address the gateway was given. Every
route needs the agent login. A refusal the agent can fix is a 422 with a Chinese message;
a department that cannot answer now is a 503.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column
from starlette.concurrency import run_in_threadpool

from bot.routes.agent import MAX_TEXT_CHARS, Agent, AgentDepartments, AgentRoute
from bot.routes.ops_hotspots import Supervisor
from common.database import AssistantBase, AssistantStore
from common.identity import is_valid_phone
from common.masking import mask_phone, mask_text
from common.time_words import CITY_TIMEZONE, city_today
from complaint_router.router import shared_router
from departments.appointment_text import bookings_text
from departments.base import DepartmentError, DepartmentRejected, written_or_stored
from departments.base import idempotency_key as write_key
from departments.bill_types import BILL_TYPES
from departments.bills import WrongAccount, bill_answer
from departments.complaints import ComplaintDraft
from departments.identity import is_personal

logger = logging.getLogger(__name__)
INVALID_PHONE = "手机号格式不对，应为11位手机号。"
PHONE_OR_ANONYMOUS = "请填写来电人的手机号，或勾选“匿名”。"
CONTENT_TOO_SHORT = "投诉内容太短，请写清楚发生了什么事。"
UNKNOWN_BILL_TYPE = "请选择要查的账单类型。"

router = APIRouter(route_class=AgentRoute)


class ComplaintRequest(BaseModel):
    category: str = Field(min_length=1, max_length=32)
    content: str = Field(max_length=MAX_TEXT_CHARS)
    location: str | None = Field(default=None, max_length=128)
    name: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=20)
    anonymous: bool = False


class RouteRequest(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)


class BillLookupRequest(BaseModel):
    bill_type: str = Field(max_length=32)
    account: str = Field(min_length=1, max_length=32)
    reason: str | None = Field(default=None, max_length=200)
    """Why the agent looks a person's record up (the console asks); written to the audit log."""


class BookingLookupRequest(BaseModel):
    phone: str = Field(min_length=1, max_length=20)
    reason: str | None = Field(default=None, max_length=200)


class AuditEntry(AssistantBase):
    """One agent lookup of a person's data: who, when (UTC), what (kind, masked identifier), why."""

    __tablename__ = "assistant_audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    identifier: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))


class AuditLog(AssistantStore):
    tables = (AuditEntry,)

    def _write(self, agent: str, kind: str, identifier: str, reason: str) -> None:
        with self._sessions.begin() as session:
            session.add(
                AuditEntry(agent=agent, at=datetime.now(UTC), kind=kind, identifier=identifier, reason=reason)
            )

    def _latest(self, limit: int) -> list[AuditEntry]:
        with self._sessions() as session:
            return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))

    async def write(self, agent: str, kind: str, identifier: str, reason: str | None) -> None:
        await self._run(self._write, agent, kind, identifier, (reason or "").strip())

    async def latest(self, limit: int = 100) -> list[AuditEntry]:
        return await self._run(self._latest, limit)


def audit_log(request: Request) -> AuditLog:
    state = request.app.state
    if getattr(state, "audit_log", None) is None:
        state.audit_log = AuditLog(state.settings.assistant_database_url)
    return state.audit_log


Audit = Annotated[AuditLog, Depends(audit_log)]


def _problem(status_code: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status_code)


def _busy(error: DepartmentError, consequence: str = "暂时查不到") -> JSONResponse:
    return _department_busy(error.department, consequence)


def _department_busy(department: str, consequence: str) -> JSONResponse:
    """The agent is the hotline, so unlike the citizen's answer this one does not say "拨打12345"."""
    return _problem(503, "department_unavailable", f"{department}繁忙，{consequence}，请稍后再试。")


def _sentence(text: str) -> str:
    return text.rstrip("。") + "。"


def _compact_phone(value: str | None) -> str | None:
    return re.sub(r"[\s-]", "", value) if value and value.strip() else None


@router.get("/api/agent/complaints/categories", response_model=None)
async def complaint_categories(_agent: Agent, clients: AgentDepartments) -> dict[str, Any] | JSONResponse:
    try:
        categories = await clients.complaints.categories()
    except DepartmentError as error:
        logger.warning("complaint categories unavailable: %s", error)
        return _busy(error, "暂时取不到投诉类别")
    return {
        "categories": [
            {"category": category.category, "name": category.name, "department": category.department}
            for category in categories
        ]
    }


@router.post("/api/agent/complaints/route")
async def route_complaint(body: RouteRequest, _agent: Agent) -> dict[str, list[dict[str, Any]]]:
    """The complaint router's three most likely categories for the caller's words, best first,
    with calibrated confidences."""
    ranked = await run_in_threadpool(shared_router().top, body.text, 3)
    return {
        "categories": [
            {"category": item.category, "name": item.name, "department": item.department, "score": item.score}
            for item in ranked
        ]
    }


@router.post("/api/agent/complaints", status_code=201, response_model=None)
async def file_complaint(
    body: ComplaintRequest,
    request: Request,
    agent: Agent,
    clients: AgentDepartments,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> dict[str, Any] | JSONResponse:
    """The page sends one Idempotency-Key per opened form; the ticket's key also covers what
    was filed, as in the dialogue, so a double click (or a retry) files one ticket, and a
    corrected form filed again is a new one."""
    content = body.content.strip()
    phone = _compact_phone(body.phone)
    if len(content) < request.app.state.settings.forms.text_min_chars:
        return _problem(422, "content_too_short", CONTENT_TOO_SHORT)
    if phone is None and not body.anonymous:
        return _problem(422, "contact_missing", PHONE_OR_ANONYMOUS)
    if phone is not None and not is_valid_phone(phone):
        return _problem(422, "invalid_phone", INVALID_PHONE)
    draft = ComplaintDraft(
        category=body.category,
        description=content,
        location=(body.location or "").strip() or None,
        contact_name=(body.name or "").strip() or None,
        contact_phone=phone,
        anonymous=body.anonymous,
    )
    key = write_key(
        "complaint",
        f"agent:{agent}",
        idempotency_key,
        draft.category,
        draft.description,
        draft.location,
        draft.contact_name,
        draft.contact_phone,
        "anonymous" if draft.anonymous else None,
    )
    try:
        ticket = await written_or_stored(
            clients.complaints.file(draft, key), lambda: clients.complaints.filed_by(key), "agent complaint"
        )
    except DepartmentRejected as rejected:
        logger.info("agent complaint refused: %s", rejected.code)
        return _problem(422, rejected.code, f"没有提交成功：{_sentence(rejected.message)}")
    except DepartmentError as error:
        logger.warning("agent complaint still unknown: %s", error)
        return _busy(error, "暂时不能确认工单是否已提交，同一表单再提交一次不会重复建单")
    if ticket is None:
        return _department_busy(clients.complaints.department_name, "工单没有提交成功")
    logger.info("agent %s filed ticket %s", agent, ticket.ticket_id)
    return {
        "ticket_id": ticket.ticket_id,
        "department": ticket.department,
        "category_name": ticket.category_name,
        "message": f"已受理，工单号 {ticket.ticket_id}，已转{ticket.department}（{ticket.category_name}）处理。",
    }


@router.post("/api/agent/lookup/bill", response_model=None)
async def lookup_bill(
    body: BillLookupRequest, agent: Agent, clients: AgentDepartments, audit: Audit
) -> dict[str, Any] | JSONResponse:
    """The answer the citizen would get in the dialogue; `found` is false for a number the
    department does not know (or that belongs to another bill type). A person's record (social
    security, housing fund, traffic) is written to the audit log first, with the agent's reason."""
    if body.bill_type not in BILL_TYPES:
        return _problem(422, "unknown_bill_type", UNKNOWN_BILL_TYPE)
    row = BILL_TYPES[body.bill_type]
    identifier = row.normalise(body.account)
    problem = row.identifier_problem(identifier)
    if problem:
        return _problem(422, "invalid_account", _sentence(problem))
    if is_personal(body.bill_type):
        await audit.write(agent, body.bill_type, row.shown(identifier), body.reason)
    try:
        text = await bill_answer(body.bill_type, identifier, None, city_today(), clients)
    except WrongAccount as wrong:
        return {"found": False, "text": mask_text(wrong.message), "identifier": row.shown(identifier)}
    except DepartmentError as error:
        logger.warning("agent bill lookup failed: %s", error)
        return _busy(error)
    return {"found": True, "text": mask_text(text), "identifier": row.shown(identifier)}


@router.post("/api/agent/lookup/bookings", response_model=None)
async def lookup_bookings(
    body: BookingLookupRequest, agent: Agent, clients: AgentDepartments, audit: Audit
) -> dict[str, Any] | JSONResponse:
    """The caller's bookings still to come, as the dialogue lists them; audited."""
    phone = _compact_phone(body.phone)
    if phone is None or not is_valid_phone(phone):
        return _problem(422, "invalid_phone", INVALID_PHONE)
    await audit.write(agent, "bookings", mask_phone(phone), body.reason)
    try:
        bookings = await clients.appointments.bookings_of(phone=phone, only_active=True)
    except DepartmentError as error:
        logger.warning("agent booking lookup failed: %s", error)
        return _busy(error)
    today = city_today()
    upcoming = [booking for booking in bookings if booking.date >= today.isoformat()]
    return {
        "found": bool(upcoming),
        "count": len(upcoming),
        "text": mask_text(bookings_text(upcoming, today)),
        "identifier": mask_phone(phone),
    }


@router.get("/api/ops/audit")
async def audit_entries(
    _supervisor: Supervisor,
    audit: Audit,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, list[dict[str, str]]]:
    """Who looked up whose data, newest first, for a supervisor (SUPERVISOR_USERS); 403 for an
    agent who is not one. Times are stored in UTC and shown in the city's time."""
    return {
        "entries": [
            {
                "agent": entry.agent,
                "at": entry.at.replace(tzinfo=entry.at.tzinfo or UTC)
                .astimezone(CITY_TIMEZONE)
                .isoformat(timespec="seconds"),
                "kind": entry.kind,
                "identifier": entry.identifier,
                "reason": entry.reason or "未填写",
            }
            for entry in await audit.latest(limit)
        ]
    }


@router.get("/api/agent/bill-types")
async def bill_types(_agent: Agent) -> dict[str, list[dict[str, str]]]:
    """What the console's bill lookup offers, from the one bill-type table."""
    return {
        "bill_types": [
            {
                "bill_type": row.id,
                "name": row.name,
                "identifier": row.identifier_name,
                "hint": row.identifier_hint,
            }
            for row in BILL_TYPES.values()
        ]
    }
