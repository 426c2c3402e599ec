"""Lockout after repeated failed agent logins, counted in the gateway's shared store.

scrypt makes each password guess slow; this caps how many guesses anyone gets at all.
Failures are counted per user name and per client address within a window; the limit
reached locks that name or address out for one window, during which no password is checked.
The counts live in the gateway's KeyValueStore, so with Redis every worker sees the same
ones. Keys carry a digest of the name, never the name itself: a password typed into the
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


class LoginLimiter:
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

    async def record_failure(self, user: str, address: str, now: float | None = None) -> None:
        """Wall-clock times, so the gateway workers of several machines agree on the window."""
        now = time.time() if now is None else now
        window = self.limits.window_seconds
        for key, limit in self._subjects(user, address):
            async with self._store.lock(key):
                failures, locked_until = _parse(await self._store.get(key))
                failures = [at for at in failures if at > now - window] + [now]
                if len(failures) >= limit:
                    failures, locked_until = [], now + window
                state = {"failures": failures, "locked_until": locked_until}
                await self._store.set(key, json.dumps(state), ttl_seconds=window)

    async def clear(self, user: str) -> None:
        """After a successful login; the address keeps its count, or one valid account would
        let its holder reset the guesses made from that address against everyone else's."""
        await self._store.delete(_key("user", user))


def _key(kind: str, value: str) -> str:
    return f"{_PREFIX}:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _parse(value: str | None) -> tuple[list[float], float]:
    """(recent failure times, locked until); nothing counted for a missing or garbled value."""
    try:
        state = json.loads(value) if value else {}
        return [float(at) for at in state.get("failures", [])], float(state.get("locked_until", 0))
    except (ValueError, TypeError, AttributeError):
        return [], 0.0
