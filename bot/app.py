"""The gateway: the only public entry. Builds the brain once and mounts every channel on it."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from bot import metrics
from bot.agent_auth import AgentAuth
from bot.brain import Brain
from bot.delivery import Deliveries
from bot.handoff.brain import HandoffBrain
from bot.handoff.desk import HandoffDesk
from bot.rasa_brain import RasaBrain
from bot.rasa_client import RasaClient
from bot.routes import agent, agent_actions, chat, handoff, kb, ops
from common.settings import Settings, load_settings
from common.store import create_store
from departments.registry import Departments
from integrations.alipay.channel import mount_alipay
from integrations.wechat import mount_wechat

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).with_name("static")
INVALID_REQUEST = "请求格式不正确，请检查后重试。"
INTERNAL_ERROR = "系统出了点问题，请稍后再试，或拨打12345市民服务热线。"


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
    app.state.agent_auth = AgentAuth.from_settings(settings.agents)
    app.state.deliveries = Deliveries()
    brain: Brain = RasaBrain(rasa, store)
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
    app.include_router(handoff.router)
    mount_wechat(app, brain, store, app.state.deliveries)
    mount_alipay(app, brain, store, app.state.deliveries)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def web_chat() -> FileResponse:
        return FileResponse(STATIC_DIR / "chat.html")

    @app.middleware("http")
    async def record_metrics(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        metrics.HTTP_REQUESTS.labels(route=path, method=request.method, status=response.status_code).inc()
        metrics.HTTP_LATENCY.labels(route=path).observe(time.perf_counter() - started)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": "invalid_request", "message": INVALID_REQUEST}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s", request.url.path)
        return JSONResponse({"error": "internal_error", "message": INTERNAL_ERROR}, status_code=500)

    return app
