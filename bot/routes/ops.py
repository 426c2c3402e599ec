"""Operations endpoints: /health reports every dependency, /metrics for Prometheus."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter()


async def _http_ok(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    state = request.app.state
    settings = state.settings
    async with httpx.AsyncClient(timeout=2.0) as client:
        rasa, actions, sandbox, store = await asyncio.gather(
            state.rasa.is_ready(),
            _http_ok(client, f"{settings.action_server_url}/health"),
            _http_ok(client, f"{settings.sandbox_url}/health"),
            state.store.ping(),
        )
    dependencies: dict[str, dict[str, Any]] = {
        "rasa": {"status": "up" if rasa else "down", "url": settings.rasa_url},
        "action_server": {"status": "up" if actions else "down", "url": settings.action_server_url},
        "department_sandbox": {"status": "up" if sandbox else "down", "url": settings.sandbox_url},
        "store": {"status": "up" if store else "down", "kind": "redis" if settings.redis_url else "memory"},
    }
    healthy = all(item["status"] == "up" for item in dependencies.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "dependencies": dependencies},
        status_code=200 if healthy else 503,
    )


@router.get("/metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
