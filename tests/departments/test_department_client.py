"""The resilient client against a real, deliberately flaky HTTP department."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response

from departments.base import ClientLimits, DepartmentClient, DepartmentUnavailable, RecordNotFound
from scripts.stack import free_port
from tests.servers import serve

LIMITS = ClientLimits(timeout_seconds=0.3, read_retries=1, breaker_failures=3, breaker_reset_seconds=0.5)


class FlakyDepartment:
    """Each path behaves differently; `calls` counts what really arrived."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.app = FastAPI()
        self.app.add_api_route("/{name}", self.handle, methods=["GET", "POST"])

    async def handle(self, name: str, request: Request) -> Response:
        self.calls[name] = self.calls.get(name, 0) + 1
        if name == "slow":
            await asyncio.sleep(1)
        if name == "broken" or (name == "flaky" and self.calls[name] == 1):
            return Response(status_code=503)
        if name == "missing":
            return Response(status_code=404)
        key = request.headers.get("Idempotency-Key", "")
        return Response(content=f'{{"ok": true, "key": "{key}"}}', media_type="application/json")


class Client(DepartmentClient):
    department_name = "测试部门"

    async def get(self, path: str) -> Any:
        return await self._get(path)

    async def post(self, path: str, key: str | None = None) -> Any:
        return await self._post(path, {"a": 1}, idempotency_key=key)


@pytest.fixture(scope="module")
def department() -> Iterator[tuple[FlakyDepartment, str]]:
    flaky = FlakyDepartment()
    with serve(flaky.app) as url:
        yield flaky, url


async def test_a_read_is_retried_once_after_a_5xx(department: tuple[FlakyDepartment, str]) -> None:
    flaky, url = department
    assert await Client(url, LIMITS).get("/flaky") == {"ok": True, "key": ""}
    assert flaky.calls["flaky"] == 2


async def test_a_timeout_becomes_department_unavailable(department: tuple[FlakyDepartment, str]) -> None:
    with pytest.raises(DepartmentUnavailable) as raised:
        await Client(department[1], LIMITS).get("/slow")
    assert raised.value.department == "测试部门"


async def test_not_found_is_not_retried(department: tuple[FlakyDepartment, str]) -> None:
    flaky, url = department
    with pytest.raises(RecordNotFound):
        await Client(url, LIMITS).get("/missing")
    assert flaky.calls["missing"] == 1


async def test_writes_retry_only_with_an_idempotency_key(department: tuple[FlakyDepartment, str]) -> None:
    flaky, url = department
    client = Client(url, LIMITS)
    with pytest.raises(DepartmentUnavailable):
        await client.post("/broken")
    assert flaky.calls["broken"] == 1
    assert (await client.post("/ok", key="k-1"))["key"] == "k-1"


async def test_breaker_opens_and_recovers(department: tuple[FlakyDepartment, str]) -> None:
    flaky, url = department
    client = Client(url, LIMITS)
    for _ in range(3):
        with pytest.raises(DepartmentUnavailable):
            await client.get("/broken")
    calls_before = flaky.calls["broken"]
    with pytest.raises(DepartmentUnavailable, match="circuit open"):
        await client.get("/broken")
    assert flaky.calls["broken"] == calls_before
    await asyncio.sleep(0.6)
    assert await client.get("/ok") == {"ok": True, "key": ""}


async def test_connection_refused_is_unavailable() -> None:
    with pytest.raises(DepartmentUnavailable):
        await Client(f"http://127.0.0.1:{free_port()}", LIMITS).get("/anything")
