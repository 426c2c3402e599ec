"""Failure modes a test switches on per department at run time, so the assistant's handling of
a slow, broken or hanging department is tested against real HTTP rather than mocks.

- `POST /_faults/{department}` `{"mode": "slow"|"error"|"timeout"|"none", "delay_seconds": 2}`
  arms one department (`none` disarms it); `DELETE /_faults` disarms all; `GET /_faults`
  lists what is armed.
- slow: answers normally after `delay_seconds` (default 1 s).
- error: answers HTTP 500 at once.
- timeout: hangs `delay_seconds` (default 30 s, longer than any client timeout), then answers
  504 like a gateway that gave up. The hang ends the moment the caller disconnects, so an
  abandoned request never holds the server up at shutdown.
- lost: a write (any method but GET) is carried out, then answered 504, as when the answer of
  a department that did the work is lost on the way back; reads answer normally, so the
  caller can find out what was stored.

A department is the first segment of its versioned URL prefix (`/utility/v1/...` is
"utility"), so every department router, present or future, is covered once it is included.

SANDBOX_FAULTS_ENABLED (default false) leaves out both the endpoints and the middleware:
anyone reaching the port could otherwise make every department fail or hang. Tests and
benchmarks switch it on for the sandboxes they start (tests/conftest.py, the test stack).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import anyio
from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.settings import Settings, load_settings

DEFAULT_DELAY_SECONDS = {"slow": 1.0, "timeout": 30.0}
_DEPARTMENT_PATH = re.compile(r"^/([a-z][a-z0-9_-]*)/v\d+(?:/|$)")

router = APIRouter(prefix="/_faults", tags=["faults"])


@dataclass(frozen=True)
class Fault:
    mode: Literal["slow", "error", "timeout", "lost"]
    delay_seconds: float


class FaultIn(BaseModel):
    mode: Literal["slow", "error", "timeout", "lost", "none"]
    delay_seconds: float | None = Field(default=None, ge=0, le=300)


def faults_enabled(settings: Settings | None = None) -> bool:
    return (settings or load_settings()).sandbox_faults_enabled


def department_of(path: str) -> str | None:
    match = _DEPARTMENT_PATH.match(path)
    return match.group(1) if match else None


def install(app: FastAPI, settings: Settings | None = None) -> None:
    """Adds the middleware and the `/_faults` endpoints, both sharing one table of armed faults,
    when SANDBOX_FAULTS_ENABLED is on (the given settings', else the environment's)."""
    if not faults_enabled(settings):
        return
    faults: dict[str, Fault] = {}
    app.state.faults = faults
    app.add_middleware(FaultInjection, faults=faults)
    app.include_router(router)


class FaultInjection:
    """Pure ASGI middleware rather than a route dependency: a hang must notice the caller
    leaving, and a delayed request must still reach its route with its body intact."""

    def __init__(self, app: ASGIApp, faults: dict[str, Fault]) -> None:
        self.app = app
        self._faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = self._faults.get(department_of(scope["path"]) or "") if scope["type"] == "http" else None
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.mode == "lost":
            if scope["method"] == "GET":
                await self.app(scope, receive, send)
                return
            await self.app(scope, receive, _discarding)
            await JSONResponse({"detail": "injected fault: answer lost"}, 504)(scope, receive, send)
            return
        if fault.mode == "error":
            await JSONResponse({"detail": "injected fault: internal error"}, 500)(scope, receive, send)
            return
        received = await _wait_unless_disconnected(receive, fault.delay_seconds)
        if received is None:
            return
        if fault.mode == "timeout":
            await JSONResponse({"detail": "injected fault: upstream timeout"}, 504)(scope, receive, send)
            return
        await self.app(scope, _replaying(received, receive), send)


async def _wait_unless_disconnected(receive: Receive, seconds: float) -> list[Message] | None:
    """None if the caller hung up within `seconds`; otherwise the request messages read meanwhile."""
    received: list[Message] = []
    with anyio.move_on_after(seconds):
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            received.append(message)
    return received


async def _discarding(message: Message) -> None:
    """The department's own answer, dropped (the `lost` mode)."""


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def _departments(app: FastAPI) -> set[str]:
    """From the OpenAPI paths: public API, whereas how FastAPI nests included routers changes."""
    return {name for path in app.openapi()["paths"] if (name := department_of(path))}


@router.get("")
async def list_faults(request: Request) -> dict[str, Fault]:
    return dict(request.app.state.faults)


@router.post("/{department}")
async def arm(department: str, fault: FaultIn, request: Request) -> dict[str, Fault]:
    if department not in _departments(request.app):
        raise HTTPException(status_code=404, detail=f"no department {department!r} in this sandbox")
    faults: dict[str, Fault] = request.app.state.faults
    if fault.mode == "none":
        faults.pop(department, None)
    else:
        delay = (
            DEFAULT_DELAY_SECONDS.get(fault.mode, 0.0) if fault.delay_seconds is None else fault.delay_seconds
        )
        faults[department] = Fault(fault.mode, delay)
    return dict(faults)


@router.delete("", status_code=204)
async def reset(request: Request) -> Response:
    request.app.state.faults.clear()
    return Response(status_code=204)
