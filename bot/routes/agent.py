"""The hotline agent console: the /agent page and its login-protected /api/agent/* API.

While a caller talks, the agent types or pastes what they say; /api/agent/suggest answers
with the recognised intent and entities (from Rasa, via /api/nlu/parse), the three closest
knowledge-base entries (guides broken into their parts) and the back-office actions the
intent calls for. Agents mark suggestions helpful or wrong; the wrong ones are listed for
whoever maintains the knowledge base.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from bot.agent_auth import COOKIE_NAME, AgentAuth
from bot.agent_feedback import MAX_TEXT_CHARS, FeedbackStore
from bot.login_limit import LoginLimiter, LoginLimits
from bot.routes import chat, kb
from common.masking import mask_ip, mask_name
from departments.base import DepartmentError
from departments.complaints import ComplaintCategory
from departments.registry import Departments, departments
from knowledge_base.answers import render_entry
from knowledge_base.config import ServiceConfig
from knowledge_base.loader import BackgroundRetriever, RetrieverUnavailable
from understanding.appointments import typed_phone
from understanding.complaint_categories import rank_categories
from understanding.complaints import location_of

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SUGGESTIONS = 3
GUIDE_PARTS = ("materials", "steps", "fee", "where", "hours")
NOT_CONFIGURED = "坐席功能未配置。"
LOGIN_REQUIRED = "请先登录坐席账号。"
LOGIN_FAILED = "用户名或密码不正确，请重新输入。"
LOGIN_LOCKED = "登录失败次数过多，请{minutes}分钟后再试。"
# Intent -> the back-office action an agent takes next: (id, title).
ACTIONS: dict[str, tuple[str, str]] = {
    "file_complaint": ("open_complaint", "开投诉工单"),
    "query_bill": ("lookup_bill", "查询账单"),
    "book_appointment": ("lookup_booking", "查询预约"),
    "list_appointments": ("lookup_booking", "查询预约"),
}
_CODE_CHAR = re.compile(r"[0-9A-Za-z·]")


class AgentDenied(Exception):
    """No agent is configured (503) or the request carries no valid session (401)."""

    def __init__(self, status_code: int, error: str, message: str) -> None:
        super().__init__(error)
        self.status_code, self.error, self.message = status_code, error, message


class AgentRoute(APIRoute):
    """Turns AgentDenied into the gateway's usual `{"error", "message"}` JSON, on these routes only."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except AgentDenied as denied:
                return JSONResponse({"error": denied.error, "message": denied.message}, denied.status_code)

        return guarded


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.agent_feedback = FeedbackStore(app.state.settings.assistant_database_url)
    yield


router = APIRouter(lifespan=lifespan, route_class=AgentRoute)


async def current_agent(request: Request) -> str:
    """The logged-in agent's name; every /api/agent/* route but login depends on it. A token
    revoked by a logout is refused like a forged one (checked in the shared store)."""
    auth: AgentAuth = request.app.state.agent_auth
    if not auth.enabled:
        raise AgentDenied(503, "agent_not_configured", NOT_CONFIGURED)
    name = await auth.verify_session(request.cookies.get(COOKIE_NAME, ""), request.app.state.store)
    if name is None:
        raise AgentDenied(401, "login_required", LOGIN_REQUIRED)
    return name


Agent = Annotated[str, Depends(current_agent)]


def agent_departments(request: Request) -> Departments:
    """The gateway's department clients (and circuit breakers), shared with its payments."""
    return getattr(request.app.state, "departments", None) or departments()


def login_limiter(request: Request) -> LoginLimiter:
    """Counts in the gateway's shared store, so every worker locks out the same guesser."""
    state = request.app.state
    if getattr(state, "login_limiter", None) is None:
        state.login_limiter = LoginLimiter(state.store, LoginLimits.from_settings(state.settings.agents))
    return state.login_limiter


AgentDepartments = Annotated[Departments, Depends(agent_departments)]


class LoginRequest(BaseModel):
    user: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class SuggestRequest(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)


class FeedbackRequest(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    suggestion_id: str = Field(min_length=1, max_length=160)
    helpful: bool


@router.get("/agent", include_in_schema=False)
async def console_page() -> FileResponse:
    """The page itself is public (a login form); everything it shows comes from the API."""
    return FileResponse(STATIC_DIR / "agent.html")


@router.post("/api/agent/login")
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    limiter: Annotated[LoginLimiter, Depends(login_limiter)],
) -> dict[str, str]:
    """Names are masked in the log: a password is sometimes typed into the user field.

    The attempt is counted before the password is checked (`LoginLimiter.begin`), so a burst of
    simultaneous guesses gets no more scrypt checks than the limit; the rest answer 429. The
    address is the TCP peer's, or the X-Forwarded-For of a proxy listed in FORWARDED_ALLOW_IPS
    (uvicorn rewrites the client for those only)."""
    auth: AgentAuth = request.app.state.agent_auth
    if not auth.enabled:
        raise AgentDenied(503, "agent_not_configured", NOT_CONFIGURED)
    address = request.client.host if request.client else ""
    attempt = await limiter.begin(body.user, address)
    if attempt is None:
        logger.warning("agent login locked out for %s from %s", mask_name(body.user), mask_ip(address))
        minutes = round(limiter.limits.window_seconds / 60)
        raise AgentDenied(429, "login_locked", LOGIN_LOCKED.format(minutes=minutes))
    if not await run_in_threadpool(auth.check_password, body.user, body.password):
        logger.warning("agent login refused for %s from %s", mask_name(body.user), mask_ip(address))
        await limiter.failed(attempt)
        raise AgentDenied(401, "login_failed", LOGIN_FAILED)
    await limiter.succeeded(attempt)
    response.set_cookie(
        COOKIE_NAME,
        auth.issue(body.user),
        max_age=auth.session_seconds,
        path="/",
        httponly=True,
        samesite="strict",
        secure=auth.cookie_secure or request.url.scheme == "https",
    )
    return {"user": body.user}


@router.post("/api/agent/logout")
async def logout(request: Request, response: Response) -> dict[str, bool]:
    """Revokes the session on the server as well, so a copy of the cookie stops working too."""
    auth: AgentAuth = request.app.state.agent_auth
    token = request.cookies.get(COOKIE_NAME, "")
    if token and auth.enabled:
        await auth.revoke(token, request.app.state.store)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
    return {"ok": True}


@router.get("/api/agent/me")
async def me(agent: Agent) -> dict[str, str]:
    """Lets the page know whether its cookie is still good before showing the console."""
    return {"user": agent}


@router.post("/api/agent/suggest", response_model=None)
async def suggest(
    body: SuggestRequest,
    request: Request,
    _agent: Agent,
    loader: Annotated[BackgroundRetriever, Depends(kb.knowledge_base)],
    clients: AgentDepartments,
) -> dict[str, Any] | JSONResponse:
    """KB suggestions even when Rasa is down (intent name null, confidence 0)."""
    nlu = await chat.parse(chat.ParseRequest(text=body.text), request)
    try:
        suggestions = await run_in_threadpool(_kb_suggestions, loader, body.text)
    except RetrieverUnavailable as error:
        logger.warning("agent suggestions unavailable: %s", error)
        return JSONResponse({"error": "kb_unavailable", "message": kb.KB_UNAVAILABLE}, status_code=503)
    intent = nlu.get("intent") or {}
    entities = nlu.get("entities", [])
    action = ACTIONS.get(intent.get("name") or "")
    categories = await complaint_categories(clients) if action and action[0] == "open_complaint" else []
    step = action_suggestion(intent, body.text, entities, categories)
    return {
        "intent": {"name": intent.get("name"), "confidence": intent.get("confidence") or 0.0},
        "entities": entities,
        "suggestions": [*suggestions, step] if step else suggestions,
    }


async def complaint_categories(clients: Departments) -> list[ComplaintCategory]:
    """The ticket system's categories; none while it is down, and the agent picks one later."""
    try:
        return await clients.complaints.categories()
    except DepartmentError as error:
        logger.warning("complaint categories unavailable: %s", error)
        return []


def action_suggestion(
    intent: dict[str, Any],
    text: str,
    entities: list[dict[str, Any]] | None = None,
    categories: list[ComplaintCategory] | None = None,
) -> dict[str, Any] | None:
    """The back-office step the intent calls for; its answer is the caller's words, and its
    prefill what the agent's form for the step starts with."""
    action = ACTIONS.get(intent.get("name") or "")
    if action is None:
        return None
    action_id, title = action
    score = round(float(intent.get("confidence") or 0.0), 4)
    prefill = action_prefill(action_id, text, entities or [], categories or [])
    return {
        "kind": "action",
        "id": action_id,
        "title": title,
        "answer": text,
        "score": score,
        "prefill": prefill,
    }


def action_prefill(
    action_id: str, text: str, entities: list[dict[str, Any]], categories: list[ComplaintCategory]
) -> dict[str, str | None]:
    """The form fields the caller's words already fill, None where the agent has to ask; the
    complaint category is inferred as the dialogue infers it, and the phone is found in the
    text as the dialogue finds it."""

    def values(name: str) -> list[str]:
        return [whole_value(text, entity) for entity in entities if entity.get("entity") == name]

    def first(*names: str) -> str | None:
        return next((value for name in names for value in values(name)), None)

    if action_id == "open_complaint":
        ranked = rank_categories(text, categories, values("complaint_category"))
        return {
            "category": ranked[0].category if ranked else None,
            "content": text,
            "location": location_of(text, values("district")),
            "phone": typed_phone(text, asked=False) or first("phone"),
        }
    if action_id == "lookup_bill":
        return {
            "bill_type": first("bill_type"),
            "account": first("account_number", "plate_number", "id_number"),
        }
    return {"phone": typed_phone(text, asked=False) or first("phone")}


def whole_value(text: str, entity: dict[str, Any]) -> str:
    """The entity's value, widened to the whole number or code its span cuts into: jieba
    splits digit runs around dictionary words (the hotline's "12345" inside the account
    3100012345), and DIET may then tag only one piece. Canonical values (water for 水费) are
    left as they are."""
    value = str(entity.get("value"))
    start, end = entity.get("start"), entity.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or text[start:end] != value:
        return value
    while start > 0 and _CODE_CHAR.match(text[start - 1]):
        start -= 1
    while end < len(text) and _CODE_CHAR.match(text[end]):
        end += 1
    return text[start:end]


def _kb_suggestions(loader: BackgroundRetriever, text: str) -> list[dict[str, Any]]:
    """The closest entries, best first; a guide carries its parts so the agent can read one out."""
    retriever = loader.get(ServiceConfig.from_env().wait_seconds)
    suggestions: list[dict[str, Any]] = []
    for hit in retriever.search(text, SUGGESTIONS):
        entry = retriever.entry(hit.id)
        suggestion: dict[str, Any] = {
            "kind": "guide" if entry.guide else "faq",
            "id": entry.id,
            "title": entry.question,
            "answer": entry.answer,
            "score": hit.score,
        }
        if entry.guide:
            suggestion["parts"] = {aspect: render_entry(entry, aspect) for aspect in GUIDE_PARTS}
        suggestions.append(suggestion)
    return suggestions


@router.post("/api/agent/feedback")
async def feedback(body: FeedbackRequest, request: Request, agent: Agent) -> dict[str, bool]:
    await request.app.state.agent_feedback.add(agent, body.text, body.suggestion_id, body.helpful)
    return {"ok": True}


@router.get("/api/agent/feedback/bad")
async def bad_feedback(
    request: Request, _agent: Agent, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> dict[str, list[dict[str, Any]]]:
    return {"items": await request.app.state.agent_feedback.bad(limit)}
