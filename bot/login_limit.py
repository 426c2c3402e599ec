"""Lockout after repeated failed agent logins, counted in the gateway's shared store.

scrypt makes each password guess slow; this caps how many guesses anyone gets at all.
Failures are counted per user name and per client address within a window; the limit
reached locks that name or address out for one window, during which no password is checked.
An attempt is counted before its password is checked (`begin`), so a hundred simultaneous
guesses get no more checks than the limit. The counts live in the gateway's KeyValueStore, so
with Redis every worker sees the same ones. Keys carry a digest of the name, never the name itself: a password typed into the
user field must not end up in Redis.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

from common.settings import AgentSettings
from common.store import KeyValueStore

_PREFIX = "agent-login-failures"


@dataclass(frozen=True)
class LoginLimits:
    """0 turns a limit off, e.g. the per-address one for agents behind a shared NAT."""

    max_failures_per_user: int = 5
    max_failures_per_address: int = 5
    window_seconds: float = 15 * 60

    @classmethod
    def from_settings(cls, settings: AgentSettings) -> LoginLimits:
        return cls(
            max_failures_per_user=settings.login_max_failures,
            max_failures_per_address=settings.login_max_failures_per_address,
            window_seconds=settings.login_lock_minutes * 60,
        )


@dataclass(frozen=True)
class Attempt:
    """One login attempt admitted by `LoginLimiter.begin`: counted already, settled afterwards."""

    user: str
    address: str
    at: float


class LoginLimiter:
    """Counts an attempt before its password is checked, so simultaneous guesses cannot all get
    through: `begin` admits an attempt only while fewer than the limit are counted (failures in
    the window plus attempts still being checked), atomically per subject under the store's lock
    (a Redis lock with REDIS_URL, so every worker takes part). A failure stays counted and locks
    the subject once the limit is reached; a success takes its own count back."""

    def __init__(self, store: KeyValueStore, limits: LoginLimits) -> None:
        self._store = store
        self.limits = limits

    def _subjects(self, user: str, address: str) -> list[tuple[str, int]]:
        """(store key, limit) of each counted subject that has a limit."""
        subjects = [
            (_key("user", user), self.limits.max_failures_per_user),
            (_key("address", address), self.limits.max_failures_per_address),
        ]
        return [(key, limit) for key, limit in subjects if limit > 0]

    async def locked(self, user: str, address: str, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        for key, _ in self._subjects(user, address):
            _, locked_until = _parse(await self._store.get(key))
            if locked_until > now:
                return True
        return False

    async def begin(self, user: str, address: str, now: float | None = None) -> Attempt | None:
        """The counted attempt, or None (locked out: no password may be checked). Subjects are
        taken one at a time in a fixed order; one that refuses gives back what the others took."""
        now = time.time() if now is None else now
        attempt = Attempt(user, address, now)
        taken: list[str] = []
        for key, limit in self._subjects(user, address):
            if not await self._take(key, limit, now):
                for earlier in taken:
                    await self._give_back(earlier, now)
                return None
            taken.append(key)
        return attempt

    async def failed(self, attempt: Attempt, now: float | None = None) -> None:
        """The attempt stays counted; a subject at its limit is locked for one window."""
        now = time.time() if now is None else now
        window = self.limits.window_seconds
        for key, limit in self._subjects(attempt.user, attempt.address):
            async with self._store.lock(key):
                counted, locked_until = _parse(await self._store.get(key))
                counted = [at for at in counted if at > now - window]
                if len(counted) >= limit and locked_until <= now:
                    counted, locked_until = [], now + window
                await self._save(key, counted, locked_until)

    async def succeeded(self, attempt: Attempt) -> None:
        """The user's count goes (as `clear`); the address gets back only this attempt's count,
        or one valid account would let its holder reset the guesses made from that address
        against everyone else's."""
        await self.clear(attempt.user)
        if self.limits.max_failures_per_address > 0:
            await self._give_back(_key("address", attempt.address), attempt.at)

    async def record_failure(self, user: str, address: str, now: float | None = None) -> None:
        """A failure counted after the fact (wall-clock times, so the gateway workers of several
        machines agree on the window); `begin` + `failed` is the race-free way."""
        now = time.time() if now is None else now
        window = self.limits.window_seconds
        for key, limit in self._subjects(user, address):
            async with self._store.lock(key):
                failures, locked_until = _parse(await self._store.get(key))
                failures = [at for at in failures if at > now - window] + [now]
                if len(failures) >= limit:
                    failures, locked_until = [], now + window
                await self._save(key, failures, locked_until)

    async def clear(self, user: str) -> None:
        """After a successful login; the address keeps its count (see `succeeded`)."""
        await self._store.delete(_key("user", user))

    async def _take(self, key: str, limit: int, now: float) -> bool:
        window = self.limits.window_seconds
        async with self._store.lock(key):
            counted, locked_until = _parse(await self._store.get(key))
            if locked_until > now:
                return False
            counted = [at for at in counted if at > now - window]
            if len(counted) >= limit:
                return False
            await self._save(key, [*counted, now], locked_until)
            return True

    async def _give_back(self, key: str, at: float) -> None:
        async with self._store.lock(key):
            counted, locked_until = _parse(await self._store.get(key))
            if at in counted:
                counted.remove(at)
            await self._save(key, counted, locked_until)

    async def _save(self, key: str, counted: list[float], locked_until: float) -> None:
        state = {"failures": counted, "locked_until": locked_until}
        await self._store.set(key, json.dumps(state), ttl_seconds=self.limits.window_seconds)


def _key(kind: str, value: str) -> str:
    return f"{_PREFIX}:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _parse(value: str | None) -> tuple[list[float], float]:
    """(recent failure times, locked until); nothing counted for a missing or garbled value."""
    try:
        state = json.loads(value) if value else {}
        return [float(at) for at in state.get("failures", [])], float(state.get("locked_until", 0))
    except (ValueError, TypeError, AttributeError):
        return [], 0.0
