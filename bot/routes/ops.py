"""Operations endpoints and the gateway's browser-facing security headers.

- `GET /health` (public): `{"status": "up"|"degraded"}` and nothing else, 200 or 503. It checks
  every dependency, each with a short timeout: Rasa (model loaded), the action server, the
  department sandbox (SANDBOX_URL), the gateway's store (Redis ping) and the assistant database
  (`SELECT 1` on `common.database.shared_engine`). With the operators' token it also names each
  dependency's state and address (`dependencies`), which a stranger has no business knowing.
- `GET /metrics` (Prometheus), `GET /docs` and `GET /openapi.json`: only with the operators'
  token, OPS_TOKEN, given as `Authorization: Bearer TOKEN` or `?token=TOKEN`; 401 JSON without
  it, 404 when OPS_TOKEN is empty (the endpoints are then off).
- `secure(app)`: puts FastAPI's own /docs and /openapi.json behind the token and adds
  `SecurityHeaders` (CSP with frame-ancestors, X-Frame-Options, nosniff, Referrer-Policy) to
  every response; `bot/app.py` calls it once after the routers are included.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.database import shared_engine

logger = logging.getLogger(__name__)
router = APIRouter()
CHECK_TIMEOUT_SECONDS = 2.0
NOT_FOUND = {"error": "not_found", "message": "没有找到这个页面或接口，请检查地址。"}
OPS_REFUSED = {"error": "unauthorized", "message": "需要运维令牌才能访问这里。"}
# The pages load only their own scripts, styles and API (no inline script, no third party);
# images may come from the replies (https, data:). Nobody may frame them (clickjacking).
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI (operators only) loads its bundle from FastAPI's default CDN and runs an inline script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def presented_ops_token(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("token", "")


def ops_allowed(request: Request) -> bool:
    """True when OPS_TOKEN is set and the request carries it."""
    expected: str = getattr(request.app.state.settings, "ops_token", "")
    presented = presented_ops_token(request)
    return bool(expected and presented) and hmac.compare_digest(presented.encode(), expected.encode())


def ops_refusal(request: Request) -> JSONResponse | None:
    """None when the operators' token is presented; else 404 (OPS_TOKEN empty: off) or 401."""
    if ops_allowed(request):
        return None
    if not getattr(request.app.state.settings, "ops_token", ""):
        return JSONResponse(NOT_FOUND, status_code=404)
    return JSONResponse(OPS_REFUSED, status_code=401, headers={"WWW-Authenticate": "Bearer"})


async def _within(check: Awaitable[bool], name: str) -> bool:
    """A dependency that does not answer in CHECK_TIMEOUT_SECONDS is down; so is one that raises."""
    try:
        return bool(await asyncio.wait_for(check, CHECK_TIMEOUT_SECONDS))
    except Exception as error:  # a health check reports, it never fails the request
        logger.warning("health: %s check failed: %s", name, type(error).__name__)
        return False


async def _http_ok(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


def _select_one(database_url: str) -> bool:
    with shared_engine(database_url).connect() as connection:
        connection.execute(text("SELECT 1"))
    return True


async def _database_ok(database_url: str) -> bool:
    return await asyncio.to_thread(_select_one, database_url)


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    state = request.app.state
    settings = state.settings
    async with httpx.AsyncClient(timeout=CHECK_TIMEOUT_SECONDS) as client:
        rasa, actions, sandbox, store, database = await asyncio.gather(
            _within(state.rasa.is_ready(), "rasa"),
            _within(_http_ok(client, f"{settings.action_server_url}/health"), "action_server"),
            _within(_http_ok(client, f"{settings.sandbox_url}/health"), "department_sandbox"),
            _within(state.store.ping(), "store"),
            _within(_database_ok(settings.assistant_database_url), "database"),
        )
    dependencies: dict[str, dict[str, Any]] = {
        "rasa": {"status": "up" if rasa else "down", "url": settings.rasa_url},
        "action_server": {"status": "up" if actions else "down", "url": settings.action_server_url},
        "department_sandbox": {"status": "up" if sandbox else "down", "url": settings.sandbox_url},
        "store": {"status": "up" if store else "down", "kind": "redis" if settings.redis_url else "memory"},
        "database": {
            "status": "up" if database else "down",
            "kind": settings.assistant_database_url.split(":", 1)[0],
        },
    }
    healthy = all(item["status"] == "up" for item in dependencies.values())
    body: dict[str, Any] = {"status": "up" if healthy else "degraded"}
    if ops_allowed(request):
        body["dependencies"] = dependencies
    return JSONResponse(body, status_code=200 if healthy else 503)


@router.get("/health/live")
async def live() -> dict[str, str]:
    """Liveness: the process answers (no dependency checked), for a probe that restarts it."""
    return {"status": "up"}


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    refusal = ops_refusal(request)
    if refusal is not None:
        return refusal
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def openapi_schema(request: Request) -> Response:
    refusal = ops_refusal(request)
    if refusal is not None:
        return refusal
    return JSONResponse(request.app.openapi())


async def swagger_ui(request: Request) -> Response:
    refusal = ops_refusal(request)
    if refusal is not None:
        return refusal
    # The page's script fetches the schema without our header: it gets the token in its URL.
    token = quote(presented_ops_token(request), safe="")
    page = get_swagger_ui_html(openapi_url=f"/openapi.json?token={token}", title=request.app.title)
    return HTMLResponse(page.body, headers={"Content-Security-Policy": DOCS_CSP})


class SecurityHeaders:
    """Pure ASGI: CSP (frame-ancestors 'none'), X-Frame-Options, nosniff and Referrer-Policy on
    every response, errors included; a response that set its own CSP (the docs) keeps it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("content-security-policy", PAGE_CSP)
            await send(message)

        await self.app(scope, receive, with_headers)


def secure(app: FastAPI) -> None:
    """FastAPI's /docs, /redoc and /openapi.json replaced by token-guarded ones, and the security
    headers on every response. Once per app; call it before the app starts."""
    if getattr(app.state, "ops_secured", False):
        return
    app.state.ops_secured = True
    builtin = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url} - {None}
    app.router.routes[:] = [
        route for route in app.router.routes if getattr(route, "path", None) not in builtin
    ]
    app.add_api_route("/openapi.json", openapi_schema, methods=["GET"], include_in_schema=False)
    app.add_api_route("/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_middleware(SecurityHeaders)
