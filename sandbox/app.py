"""The department sandbox: one FastAPI app, one router per department.

It serves whole citizen records (id numbers, phones, bills), so with SANDBOX_API_KEY set every
route but /health and the API docs needs a key, as `Authorization: Bearer KEY` (what the
department clients send) or `X-Api-Key: KEY`; 401 JSON otherwise. SANDBOX_API_KEY opens every
department; a department's own `<KEY>_API_TOKEN` (WATER_API_TOKEN...) opens only that
department's routes, as a real department would check only its own credential.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.types import ASGIApp, Receive, Scope, Send

from common.masking import configure_logging
from common.settings import Settings, load_settings
from sandbox import events, faults
from sandbox.database import Database
from sandbox.routers import appointments, cable_tv, complaints, hpf, hrss, population, sms, traffic, utility

OPEN_PATHS = frozenset({"/health", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
# Where a department's routes live when its key does not name them (`/<key>/v1` otherwise):
# the billing companies serve several bill types, each a department key of its own.
ROUTE_PREFIXES = {
    bill_type: company.router.prefix for company in (utility, cable_tv) for bill_type in company.BILL_TYPES
}


def department_tokens(settings: Settings) -> list[tuple[str, bytes]]:
    """(route prefix, token) for every department with its own credential."""
    return [
        (ROUTE_PREFIXES.get(key, f"/{key}/v1") + "/", token.encode("utf-8"))
        for key, token in settings.department_settings.api_tokens.items()
    ]


def presented_key(scope: Scope) -> str:
    """The key from `Authorization: Bearer KEY` or `X-Api-Key: KEY`, else empty."""
    headers = dict(scope.get("headers") or [])
    api_key = headers.get(b"x-api-key", b"").decode("latin-1").strip()
    if api_key:
        return api_key
    scheme, _, value = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


class ApiKeyMiddleware:
    """Pure ASGI, outermost: no route (and no armed fault) runs for a caller without the key."""

    def __init__(self, app: ASGIApp, api_key: str, tokens: list[tuple[str, bytes]] | None = None) -> None:
        self.app = app
        self._key = api_key.encode("utf-8")
        self._tokens = tokens or []

    def _allowed(self, path: str, presented: bytes) -> bool:
        if not presented:
            return False
        if hmac.compare_digest(presented, self._key):
            return True
        return any(
            path.startswith(prefix) and hmac.compare_digest(presented, token)
            for prefix, token in self._tokens
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        if self._allowed(path, presented_key(scope).encode("utf-8")):
            await self.app(scope, receive, send)
            return
        refusal = JSONResponse({"error": "unauthorized", "message": "缺少或错误的部门接口密钥。"}, 401)
        refusal.headers["WWW-Authenticate"] = "Bearer"
        await refusal(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    database = Database(settings.sandbox_database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database.create_and_seed()
        yield
        database.engine.dispose()

    app = FastAPI(title="示例市 department sandbox", lifespan=lifespan)
    app.state.database = database
    for department in (population, utility, cable_tv, hrss, hpf, traffic, appointments, complaints):
        app.include_router(department.router)
    sms.install(app, settings)
    events.install(app, settings)
    faults.install(app, settings)
    if settings.sandbox_api_key:
        app.add_middleware(
            ApiKeyMiddleware, api_key=settings.sandbox_api_key, tokens=department_tokens(settings)
        )

    @app.get("/health")
    def health() -> dict[str, str]:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "database": database.kind}

    return app


def main() -> None:
    import uvicorn

    settings = load_settings()
    configure_logging(settings.log_level)
    host, _, port = settings.sandbox_url.removeprefix("http://").partition(":")
    uvicorn.run(create_app(settings), host=host, port=int(port or 8100), log_config=None)


if __name__ == "__main__":
    main()
