"""The resilient HTTP base every department client shares.

Rasa waits up to 300 s for an action, far longer than a citizen will; so each call has a
short timeout, idempotent reads are retried, and a circuit breaker stops hammering a
department that is down so the citizen gets an honest "busy" answer at once. Each client
keeps one connection pool per event loop (common/http_sessions.py): building a client per call
costs a TLS context (tens of milliseconds of CPU), which per call was a third of the action
server's CPU. The pool is aiohttp's: httpx spent about 1 ms of CPU on each call where aiohttp spends 0.25 ms
(measured on this 2-core machine), and a bill query or a booking makes several.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

from common.http_sessions import LoopSessions
from common.settings import DepartmentSettings, load_settings

logger = logging.getLogger(__name__)
Record = TypeVar("Record")
INVALID_REQUEST_MESSAGE = "信息不完整或格式不对，请检查后再试"


@dataclass(frozen=True)
class ClientLimits:
    timeout_seconds: float
    read_retries: int
    breaker_failures: int
    breaker_reset_seconds: float
    # The credential this department's calls carry, as a bearer token: `<KEY>_API_TOKEN`, else
    # DEPARTMENT_API_KEY.
    api_key: str = field(default="", repr=False)

    @classmethod
    def from_settings(cls, settings: DepartmentSettings, department_key: str = "") -> ClientLimits:
        return cls(
            timeout_seconds=settings.timeout_seconds,
            read_retries=settings.read_retries,
            breaker_failures=settings.breaker_failures,
            breaker_reset_seconds=settings.breaker_reset_seconds,
            api_key=settings.credential_for(department_key),
        )

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}


def idempotency_key(kind: str, sender_id: str, *contents: str | None) -> str:
    """The Idempotency-Key of a write (a booking, a ticket, a rating): the same citizen sending
    the same content again (a repeated message, a retried request) gets the first record back."""
    text = "\n".join([sender_id, *(value or "" for value in contents)])
    return f"{kind}-" + hashlib.sha256(text.encode()).hexdigest()[:40]


class DepartmentError(Exception):
    """Base of the errors an action turns into a citizen-facing sentence."""

    def __init__(self, department: str, detail: str = "") -> None:
        super().__init__(f"{department}: {detail}")
        self.department = department


class DepartmentUnavailable(DepartmentError):
    """Timeout, 5xx, connection refused or an open breaker: try again later."""


class RecordNotFound(DepartmentError):
    """The department answered 404: the number the citizen gave does not exist."""


class DepartmentRejected(DepartmentError):
    """The department refused the request for a reason the citizen can act on: a full
    slot, a closed day, an invalid phone. `code` is for the dialogue to branch on;
    `message` is short Chinese that may be shown to the citizen as it is."""

    def __init__(self, department: str, code: str, message: str) -> None:
        super().__init__(department, code)
        self.code = code
        self.message = message


async def written_or_stored(
    write: Awaitable[Record], stored: Callable[[], Awaitable[Record | None]], what: str
) -> Record | None:
    """A write whose answer may be lost on the way back (a timeout, a 5xx, a dying process):
    what the write made, or, when the department did not answer it, what its record under the
    write's idempotency key holds (None: nothing was stored). So nobody is told "not done" about
    what was done. Raises DepartmentUnavailable when the look-up fails too (the outcome is
    unknown), and the write's own refusals as they are."""
    try:
        return await write
    except DepartmentUnavailable as error:
        logger.warning("%s outcome unknown, looked up by its key: %s", what, error)
        return await stored()


class CircuitBreaker:
    """Opens after `failures` consecutive failures, so citizens are told "busy" at once instead
    of each waiting for a department that hangs; after `reset_seconds` one trial call goes
    through (half-open), the others are still refused until it succeeds (closed again) or fails
    (open again).

    A department whose last failure was a refused connection is down, not hanging: a trial
    costs nobody a wait, so one goes through every `REFUSED_TRIAL_SECONDS` and a restarted
    department (the sandbox back after a crash) is used again within a second of answering,
    not up to `reset_seconds` later."""

    REFUSED_TRIAL_SECONDS = 0.5

    def __init__(self, failures: int, reset_seconds: float) -> None:
        self._threshold = failures
        self._reset_seconds = reset_seconds
        self._consecutive_failures = 0
        self._opened_at: float | None = None
        self._refused = False
        self._trial_since: float | None = None

    @property
    def _wait_seconds(self) -> float:
        return min(self.REFUSED_TRIAL_SECONDS, self._reset_seconds) if self._refused else self._reset_seconds

    def refuses(self) -> bool:
        """Refuses this call? False when closed, and for the one trial call of a half-open
        breaker (which is then counted as under way)."""
        if self._opened_at is None:
            return False
        now = time.monotonic()
        if now - self._opened_at < self._wait_seconds:
            return True
        # A trial that never reported (its caller was cancelled) gives way after one period.
        if self._trial_since is not None and now - self._trial_since < self._wait_seconds:
            return True
        self._trial_since = now
        return False

    def record_success(self) -> None:
        self._consecutive_failures = 0
        self._opened_at = None
        self._trial_since = None

    def record_failure(self, refused: bool = False) -> None:
        """`refused`: the department refused the connection (nothing listens there)."""
        self._consecutive_failures += 1
        self._refused = refused
        self._trial_since = None
        if self._consecutive_failures >= self._threshold:
            self._opened_at = time.monotonic()


class DepartmentClient:
    """One instance per department; subclasses add typed methods over `_get` / `_post`.

    `department_name` is how the citizen hears of the department ("供水公司系统繁忙"); a
    class serving several departments (one utility API per company) takes it per instance."""

    department_name = "相关部门"

    def __init__(
        self, base_url: str, limits: ClientLimits | None = None, department_name: str | None = None
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._limits = limits or ClientLimits.from_settings(load_settings().department_settings)
        self._breaker = CircuitBreaker(self._limits.breaker_failures, self._limits.breaker_reset_seconds)
        if department_name:
            self.department_name = department_name
        self._pools = LoopSessions(
            aiohttp.ClientTimeout(total=self._limits.timeout_seconds), self._limits.headers(), limit=50
        )

    async def aclose(self) -> None:
        await self._pools.close()

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self._request("GET", path, params=params, attempts=1 + self._limits.read_retries)

    async def _stored_under(self, path: str) -> Any | None:
        """What a write stored under its idempotency key (the department's `.../requests/{key}`),
        None when it stored nothing."""
        try:
            return await self._get(path)
        except RecordNotFound:
            return None

    async def _post(self, path: str, payload: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Writes are retried only with an idempotency key, so a retry can never act twice."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        attempts = 1 + self._limits.read_retries if idempotency_key else 1
        return await self._request("POST", path, json=payload, headers=headers, attempts=attempts)

    async def _request(
        self,
        method: str,
        path: str,
        attempts: int,
        params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        if self._breaker.refuses():
            raise DepartmentUnavailable(self.department_name, "circuit open")
        url = f"{self._base_url}{path}"
        query = {name: str(value) for name, value in (params or {}).items() if value is not None}
        last_error = ""
        refused = False
        for attempt in range(attempts):
            try:
                async with self._pools.session().request(method, url, params=query, **kwargs) as response:
                    status, body = response.status, await response.read()
            except (aiohttp.ClientError, TimeoutError) as error:
                last_error = type(error).__name__
                refused = isinstance(error, aiohttp.ClientConnectorError)  # not a connect timeout: that hangs
            else:
                refused = False
                if status == 404:
                    self._breaker.record_success()
                    raise RecordNotFound(self.department_name, path)
                if status in (401, 403):
                    # Our credential is missing or wrong: a deployment error, not the citizen's.
                    logger.error("%s refused our credential on %s %s", self.department_name, method, path)
                    self._breaker.record_failure()
                    raise DepartmentUnavailable(self.department_name, f"HTTP {status}")
                if status < 500:
                    self._breaker.record_success()
                    if status >= 400:
                        raise self._rejection(body)
                    try:
                        return json.loads(body)
                    except ValueError:
                        last_error = "a body that is not JSON"
                else:
                    last_error = f"HTTP {status}"
            logger.warning("%s %s failed (attempt %d): %s", method, path, attempt + 1, last_error)
            if attempt + 1 < attempts:
                await asyncio.sleep(0.2 * (attempt + 1))
        self._breaker.record_failure(refused)
        raise DepartmentUnavailable(self.department_name, last_error)

    def _rejection(self, body: bytes) -> DepartmentRejected:
        """Departments answer a refusal as {"detail": {"code", "message"}}; anything else is
        reported as an invalid request rather than a raw HTTP error."""
        try:
            detail = json.loads(body).get("detail")
        except (ValueError, AttributeError):
            detail = None
        if isinstance(detail, dict) and "code" in detail:
            return DepartmentRejected(
                self.department_name, str(detail["code"]), str(detail.get("message", ""))
            )
        return DepartmentRejected(self.department_name, "invalid_request", INVALID_REQUEST_MESSAGE)
