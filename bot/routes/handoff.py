"""Handed-off chats: the agents' queue under /api/agent/handoffs, and the web chat's
`GET /api/chat/updates`, through which a web citizen receives what the agent writes.

WeChat and Alipay citizens get agent messages pushed through their channel (bot/delivery.py);
the web chat page has no push, so it fetches messages after a cursor while a handoff is open.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot.delivery import Deliveries
from bot.handoff.brain import (
    AGENT_PREFIX,
    CLAIMED_TEXT,
    CLOSED_BY_AGENT_TEXT,
    mark_agents_seen,
    wants_to_end,
)
from bot.handoff.desk import AGENT, CLOSED, MAX_TEXT_CHARS, SYSTEM, Handoff, HandoffConflict, HandoffDesk
from bot.routes.agent import Agent, AgentDenied, AgentRoute
from bot.routes.chat import CleanText, SenderId

logger = logging.getLogger(__name__)
router = APIRouter(route_class=AgentRoute)

NOT_FOUND = "没有找到这个会话。"
TAKEN = "这个会话已由坐席 {agent} 接待。"
CLOSED_ALREADY = "这个会话已经结束了。"
NOT_OWNER = "请先接入这个会话再回复。"
UNDELIVERED = "消息已记录，但没能送达市民（对方渠道暂时不可用或超过48小时未互动），请改用电话联系。"
WEB_CHANNEL = "web"
# Ids and cursors are 32-bit INTEGER columns: a larger number is no row, and PostgreSQL would
# refuse it with an error (a 500) rather than find nothing, so it never reaches a query.
MAX_ROW_ID = 2**31 - 1


def _handoff_id(handoff_id: int, _agent: Agent) -> int:
    """The path's id when some row could have it; any other number is a chat that does not
    exist (404, like an id never issued). Depends on the login so strangers still get 401."""
    if not 1 <= handoff_id <= MAX_ROW_ID:
        raise AgentDenied(404, "not_found", NOT_FOUND)
    return handoff_id


HandoffId = Annotated[int, Depends(_handoff_id)]


class ReplyRequest(BaseModel):
    text: CleanText = Field(min_length=1, max_length=MAX_TEXT_CHARS)


def _desk(request: Request) -> HandoffDesk:
    desk: HandoffDesk | None = getattr(request.app.state, "handoff_desk", None)
    if desk is None:
        raise AgentDenied(503, "handoff_not_configured", "人工转接未开启。")
    return desk


async def _tell_citizen(
    request: Request, handoff: Handoff, author: str, text: str, agent: str | None = None
) -> bool:
    """Records the message in the transcript and pushes it on the citizen's channel; web chat
    fetches it from the transcript, so it counts as delivered once recorded."""
    await _desk(request).add(handoff, author, text, agent)
    if handoff.channel == WEB_CHANNEL:
        return True
    deliveries: Deliveries = request.app.state.deliveries
    return await deliveries.send(handoff.sender, AGENT_PREFIX + text if author == AGENT else text)


async def _owned(request: Request, handoff_id: int, agent: str) -> Handoff:
    handoff = await _desk(request).find(handoff_id)
    if handoff is None:
        raise AgentDenied(404, "not_found", NOT_FOUND)
    if handoff.status == CLOSED:
        raise AgentDenied(409, "closed", CLOSED_ALREADY)
    if handoff.agent != agent:
        raise AgentDenied(403, "not_owner", NOT_OWNER)
    return handoff


@router.get("/api/agent/handoffs")
async def queue(request: Request, _agent: Agent) -> dict[str, list[dict[str, Any]]]:
    """Polled by every open console; a poll also tells citizens that someone is there to answer."""
    await mark_agents_seen(request.app.state.store)
    return {"items": await _desk(request).queue()}


@router.get("/api/agent/handoffs/{handoff_id}")
async def transcript(
    handoff_id: HandoffId,
    request: Request,
    _agent: Agent,
    after: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> dict[str, Any]:
    found = await _desk(request).get(handoff_id, after)
    if found is None:
        raise AgentDenied(404, "not_found", NOT_FOUND)
    handoff, messages = found
    return {"handoff": handoff.as_json(), "messages": [message.as_json() for message in messages]}


@router.post("/api/agent/handoffs/{handoff_id}/claim")
async def claim(handoff_id: HandoffId, request: Request, agent: Agent) -> dict[str, Any]:
    """Only one agent wins a chat; the citizen is told once that a person has joined."""
    try:
        claimed = await _desk(request).claim(handoff_id, agent)
    except HandoffConflict as conflict:
        if conflict.handoff.status == CLOSED:
            raise AgentDenied(409, "closed", CLOSED_ALREADY) from None
        raise AgentDenied(409, "taken", TAKEN.format(agent=conflict.handoff.agent)) from None
    if claimed is None:
        raise AgentDenied(404, "not_found", NOT_FOUND)
    handoff, newly = claimed
    delivered = True
    if newly:
        logger.info("agent %s claimed handoff %d", agent, handoff.id)
        delivered = await _tell_citizen(request, handoff, SYSTEM, CLAIMED_TEXT)
    return {"handoff": handoff.as_json(), "delivered": delivered}


@router.post("/api/agent/handoffs/{handoff_id}/reply", response_model=None)
async def reply(
    handoff_id: HandoffId, body: ReplyRequest, request: Request, agent: Agent
) -> dict[str, Any] | JSONResponse:
    """An agent's message to the citizen; "结束" on its own hands the chat back to the bot."""
    handoff = await _owned(request, handoff_id, agent)
    if wants_to_end(body.text):
        return await close(handoff_id, request, agent)
    delivered = await _tell_citizen(request, handoff, AGENT, body.text.strip(), agent)
    result: dict[str, Any] = {"handoff": handoff.as_json(), "delivered": delivered}
    if not delivered:
        result["message"] = UNDELIVERED
    return result


@router.post("/api/agent/handoffs/{handoff_id}/close")
async def close(handoff_id: HandoffId, request: Request, agent: Agent) -> dict[str, Any]:
    await _owned(request, handoff_id, agent)
    handoff = await _desk(request).close(handoff_id, agent)
    if handoff is None:
        raise AgentDenied(409, "closed", CLOSED_ALREADY)
    delivered = await _tell_citizen(request, handoff, SYSTEM, CLOSED_BY_AGENT_TEXT)
    return {"handoff": handoff.as_json(), "delivered": delivered}


chat_router = APIRouter(prefix="/api/chat")


@chat_router.get("/updates")
async def chat_updates(
    request: Request,
    sender: Annotated[SenderId, Query()],
    after: Annotated[int, Query(ge=-1, le=MAX_ROW_ID)] = -1,
) -> dict[str, Any]:
    """What agents wrote to this web citizen after `after`; -1 asks only for the state and the
    cursor (a page that was just opened must not replay an old conversation)."""
    desk: HandoffDesk | None = getattr(request.app.state, "handoff_desk", None)
    if desk is None:
        return {"handoff": None, "messages": [], "cursor": 0}
    try:
        handoff, messages, cursor = await desk.updates(f"{WEB_CHANNEL}:{sender}", after)
    except Exception:
        logger.exception("handoff updates unavailable")
        return {"handoff": None, "messages": [], "cursor": max(after, 0), "error": "updates_unavailable"}
    return {
        "handoff": handoff.status if handoff else None,
        "messages": [{"text": message.text, "custom": {"author": message.author}} for message in messages],
        "cursor": cursor,
    }
