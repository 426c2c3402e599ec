"""The gateway: the only public entry. Builds the brain once and mounts every channel on it.

Its edge (`EdgeMiddleware` and the exception handlers below) holds for every route: each error a
client can get is `{"error", "message"}` JSON with a Chinese message (CONTRACT.md, Errors), bodies
are capped, every response (errors included) is counted in /metrics, and an unexpected exception
becomes an ordinary 500 response, so the client's keep-alive connection survives it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import metrics
from bot.agent_auth import AgentAuth
from bot.brain import Brain
from bot.delivery import Deliveries
from bot.handoff.brain import HandoffBrain
from bot.handoff.desk import HandoffDesk
from bot.rasa_brain import RasaBrain
from bot.rasa_client import RasaClient
from bot.routes import (
    agent,
    agent_actions,
    chat,
    handoff,
    kb,
    notices,
    ops,
    ops_export,
    ops_hotspots,
    ops_page,
    ops_scorecard,
    ops_unanswered,
)
from common.settings import Settings, load_settings
from common.store import create_store
from departments.registry import Departments
from integrations.alipay.channel import mount_alipay
from integrations.wechat.router import mount_wechat

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).with_name("static")
INVALID_REQUEST = "请求格式不正确，请检查后重试。"
INTERNAL_ERROR = "系统出了点问题，请稍后再试，或拨打12345市民服务热线。"
# The largest request body any JSON route needs is a 2,000-character text (about 12 KB even
# JSON-escaped); GATEWAY_MAX_BODY_BYTES (64 KB by default) leaves room and stops memory-filling posts.
DEFAULT_MAX_BODY_BYTES = Settings.gateway_max_body_bytes
# Paths that cap their own body and must answer in their platform's words: WeChat's servers
# expect a plain body (its cap is WECHAT_MAX_BODY_BYTES, checked while streaming in the channel).
SELF_CAPPED_PREFIXES = ("/wechat",)

# Chinese messages for the statuses a client can meet; `error` is the status's own name.
ERROR_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("bad_request", INVALID_REQUEST),
    401: ("unauthorized", "请先登录。"),
    403: ("forbidden", "没有权限访问这里。"),
    404: ("not_found", "没有找到这个页面或接口，请检查地址。"),
    405: ("method_not_allowed", "不支持这种请求方式。"),
    409: ("conflict", "请求和当前状态冲突，请刷新后再试。"),
    413: ("payload_too_large", "发送的内容太长了，请删减后再试。"),
    422: ("invalid_request", INVALID_REQUEST),
    429: ("too_many_requests", "请求太频繁了，请稍后再试。"),
    500: ("internal_error", INTERNAL_ERROR),
    503: ("service_unavailable", "服务暂时不可用，请稍后再试，或拨打12345市民服务热线。"),
}
FALLBACK_MESSAGE = "请求没有成功，请稍后再试，或拨打12345市民服务热线。"


def error_body(status_code: int) -> dict[str, str]:
    """The project's error shape for a status, never Starlette's English `detail`."""
    if status_code in ERROR_MESSAGES:
        error, message = ERROR_MESSAGES[status_code]
        return {"error": error, "message": message}
    try:
        error = HTTPStatus(status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        error = "http_error"
    return {"error": error, "message": FALLBACK_MESSAGE}


class BodyTooLarge(StarletteHTTPException):
    """Raised from inside `receive` once a streamed body passes the cap. An HTTPException, so
    FastAPI's body reader lets it through (it turns any other exception into a 400) and the
    HTTPException handler answers it like any other error."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


class EdgeMiddleware:
    """Pure ASGI, just inside Starlette's ServerErrorMiddleware, outside the routes' exception
    handlers, so it sees every response the app sends.

    - Counts each response's real status in /metrics, 413s and 500s included.
    - Caps the request body: the declared Content-Length first, then the bytes actually received
      (a chunked body has no Content-Length to check), before the route holds them in memory.
    - Turns an exception nobody handled into a complete JSON 500. Left to Starlette, the error
      page is sent and the exception re-raised to the server, and uvicorn then closes the
      connection, so the client's next request on it is reset.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        status: list[int] = []

        async def counted_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, self._capped(scope, receive), counted_send)
        except Exception as error:
            if status:
                # Part of a response is out: nothing sound can follow it on this connection.
                logger.exception("error after the response started on %s", scope.get("path", "?"))
                raise
            if isinstance(error, BodyTooLarge):
                await _send_error(counted_send, 413)
            else:
                logger.exception("unhandled error on %s", scope.get("path", "?"))
                await _send_error(counted_send, 500)
        finally:
            if status:  # else the client went away (cancelled) before any answer: nothing to count
                route = getattr(scope.get("route"), "path", "unmatched")
                metrics.HTTP_REQUESTS.labels(route=route, method=scope["method"], status=status[0]).inc()
                metrics.HTTP_LATENCY.labels(route=route).observe(time.perf_counter() - started_at)

    def _limit(self, scope: Scope) -> int | None:
        path: str = scope.get("path", "")
        if any(path == prefix or path.startswith(prefix + "/") for prefix in SELF_CAPPED_PREFIXES):
            return None
        return self.max_body_bytes

    def _capped(self, scope: Scope, receive: Receive) -> Receive:
        """`receive` refusing the body at the first read: at once when Content-Length declares
        more than the cap, else as soon as the bytes received pass it. Checked when the route
        reads the body, so the refusal is counted under its route, and a route that never
        reads it (an unknown path, a GET) lets uvicorn's flow control hold it off unread."""
        limit = self._limit(scope)
        if limit is None:
            return receive
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        received = 0

        async def capped_receive() -> Message:
            nonlocal received
            if declared is not None and received == 0:
                if not declared.strip().isdigit():
                    raise StarletteHTTPException(status_code=400)
                if int(declared) > limit:
                    raise BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        return capped_receive


async def _send_error(send: Send, status_code: int) -> None:
    response = JSONResponse(error_body(status_code), status_code=status_code)
    await send({"type": "http.response.start", "status": status_code, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds)
    store = create_store(settings.redis_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await rasa.close()
        await store.close()
        await app.state.departments.aclose()

    app = FastAPI(title="示例市市民服务助手", lifespan=lifespan)
    app.state.settings = settings
    app.state.rasa = rasa
    app.state.store = store
    # One set of department clients (and circuit breakers) for the console and payments alike.
    app.state.departments = Departments(settings.department_settings)
    app.state.agent_auth = AgentAuth.from_settings(settings.agents, settings.supervisor_users)
    app.state.deliveries = Deliveries()
    # A message waits for the citizen's previous one at most as long as that one's Rasa call.
    brain: Brain = RasaBrain(rasa, store, settings.rasa_timeout_seconds + 5)
    if app.state.agent_auth.enabled:
        app.state.handoff_desk = HandoffDesk(settings.assistant_database_url, settings.handoff_idle_minutes)
        brain = HandoffBrain(brain, app.state.handoff_desk, store, settings.handoff_after_failures)
    app.state.brain = brain

    app.include_router(chat.router)
    app.include_router(handoff.chat_router)
    app.include_router(kb.router)
    app.include_router(ops.router)
    app.include_router(agent.router)
    app.include_router(agent_actions.router)
    app.include_router(ops_hotspots.router)
    app.include_router(ops_scorecard.router)
    app.include_router(ops_unanswered.router)
    app.include_router(ops_export.router)
    app.include_router(ops_page.router)
    app.include_router(handoff.router)
    notices.install(app, settings)
    mount_wechat(app, brain, store, app.state.deliveries)
    mount_alipay(app, brain, store, app.state.deliveries)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def web_chat() -> FileResponse:
        return FileResponse(STATIC_DIR / "chat.html")

    max_body_bytes = settings.gateway_max_body_bytes
    app.add_middleware(EdgeMiddleware, max_body_bytes=max_body_bytes)
    ops.secure(app)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        """Unknown routes (404), wrong methods (405, keeping its Allow header), unreadable bodies
        (400) and the body cap (413): the same shape as every other error."""
        return JSONResponse(error_body(error.status_code), error.status_code, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": "invalid_request", "message": INVALID_REQUEST}, status_code=422)

    # No handler for Exception: Starlette would run it in ServerErrorMiddleware and then re-raise,
    # closing the connection; EdgeMiddleware answers those errors itself.
    return app
