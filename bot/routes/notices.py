"""The gateway's side of proactive notices: the departments' signed webhook, the web chat's
notices for a citizen who comes back, and the agents' view of which notices a citizen got.

The webhook only checks and stores the event (answering 202 at once); the `notices` process
plans and sends. A redelivered event is answered 202 as well, marked duplicate, and changes
nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot.routes.agent import Agent, AgentDepartments, AgentRoute
from bot.routes.agent_actions import Audit
from bot.routes.chat import SenderId
from common.identity import is_valid_phone
from common.masking import mask_phone, mask_text
from common.settings import Settings
from common.time_words import CITY_TIMEZONE
from departments.base import DepartmentError
from notices import events
from notices.models import NoticeDelivery
from notices.outbox import NoticeStore

logger = logging.getLogger(__name__)
router = APIRouter()
agent_router = APIRouter(route_class=AgentRoute)
HISTORY_LIMIT = 50
STATUS_NAMES = {
    "queued": "待发送",
    "sending": "发送中",
    "sent": "已送达",
    "failed": "发送失败",
    "refused": "平台拒收",
    "skipped": "未发送",
}
CHANNEL_NAMES = {"web": "网页", "wechat": "微信", "alipay": "支付宝"}


def _problem(status_code: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status_code)


def _store(request: Request) -> NoticeStore:
    store: NoticeStore = request.app.state.notice_store
    return store


def _city_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(CITY_TIMEZONE).isoformat(timespec="seconds")


@router.post("/api/notices/events", status_code=202, response_model=None)
async def department_event(
    request: Request,
    x_event_timestamp: Annotated[str, Header()] = "",
    x_event_signature: Annotated[str, Header()] = "",
) -> dict[str, Any] | JSONResponse:
    """A department's event, signed with NOTICE_WEBHOOK_SECRET (see `notices.events`)."""
    settings: Settings = request.app.state.settings
    secret = settings.notices.webhook_secret
    if not secret:
        return _problem(503, "notices_off", "消息提醒未开通。")
    body = await request.body()
    try:
        events.verify(
            secret, x_event_timestamp, x_event_signature, body, settings.notices.webhook_window_seconds
        )
        event = events.parse(body)
    except events.BadEvent as error:
        logger.warning("department event refused: %s", error)
        return _problem(401, "bad_signature", "事件签名无效或已过期。")
    new = await _store(request).record(event, "webhook")
    return {"accepted": True, "duplicate": not new}


@router.get("/api/chat/notices")
async def web_notices(request: Request, sender: Annotated[SenderId, Query()]) -> dict[str, Any]:
    """The notices a web chat user has not seen yet; each is returned once."""
    rows = await _store(request).take_unseen(f"web:{sender}")
    return {
        "notices": [
            {"title": row.title, "text": row.text, "sent_at": _city_time(row.sent_at)} for row in rows
        ]
    }


def _shown(row: NoticeDelivery) -> dict[str, Any]:
    channel, _, user_id = row.recipient.partition(":")
    return {
        "kind": row.kind,
        "channel": row.channel,
        "channel_name": CHANNEL_NAMES.get(row.channel, row.channel),
        "recipient": f"{channel}:{mask_text(user_id)}",
        "status": row.status,
        "status_name": STATUS_NAMES.get(row.status, row.status),
        "title": row.title,
        "text": mask_text(row.text),
        "error": row.error,
        "created_at": _city_time(row.created_at),
        "sent_at": _city_time(row.sent_at),
    }


class NoticeLookup(BaseModel):
    phone: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=200)


@agent_router.post("/api/agent/notices", response_model=None)
async def agent_notices(
    body: NoticeLookup, request: Request, agent: Agent, clients: AgentDepartments, audit: Audit
) -> dict[str, Any] | JSONResponse:
    """The notices sent (or not) to the citizen registered with this phone, newest first; audited.
    A POST, so the phone stays out of URLs and access logs."""
    phone = body.phone.replace(" ", "").replace("-", "")
    if not is_valid_phone(phone):
        return _problem(422, "invalid_phone", "请输入11位手机号。")
    await audit.write(agent, "notices", mask_phone(phone), body.reason)
    try:
        citizen = await clients.population.find_by_phone(phone)
    except DepartmentError as error:
        logger.warning("agent notice lookup failed: %s", error)
        return _problem(503, "department_unavailable", "市民信息系统繁忙，暂时查不到，请稍后再试。")
    if citizen is None:
        return {"found": False, "identifier": mask_phone(phone), "notices": []}
    rows = await _store(request).history(citizen.citizen_id, HISTORY_LIMIT)
    return {"found": bool(rows), "identifier": mask_phone(phone), "notices": [_shown(row) for row in rows]}


def install(app: FastAPI, settings: Settings) -> None:
    app.state.notice_store = NoticeStore(settings.assistant_database_url)
    app.include_router(router)
    app.include_router(agent_router)
