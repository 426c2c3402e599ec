"""Pooled aiohttp sessions, one per event loop: the gateway's calls to Rasa and every
department client share this. aiohttp binds a session to the loop it was made in; a server
runs one loop, a test suite many, and the clients are built before any loop runs, so each loop
gets its own session on first use. Building one per call would cost a TLS context each time."""

from __future__ import annotations

import asyncio

import aiohttp

# Below the keep-alive timeout of the servers we call (Sanic's and uvicorn's: 5 s): a connection
# the server is about to close is never picked for a request, which would then fail as if the
# server had dropped it (a write without an idempotency key is never retried).
KEEPALIVE_SECONDS = 4.0


class LoopSessions:
    def __init__(
        self, timeout: aiohttp.ClientTimeout, headers: dict[str, str] | None = None, limit: int = 100
    ) -> None:
        self._timeout, self._headers, self._limit = timeout, headers or {}, limit
        self._sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}

    def session(self) -> aiohttp.ClientSession:
        """This event loop's session; those of closed loops are dropped."""
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            for stale in [known for known in self._sessions if known.is_closed()]:
                del self._sessions[stale]
            session = self._sessions[loop] = aiohttp.ClientSession(
                timeout=self._timeout,
                headers=self._headers,
                connector=aiohttp.TCPConnector(limit=self._limit, keepalive_timeout=KEEPALIVE_SECONDS),
            )
        return session

    async def close(self) -> None:
        """Closes this loop's session; those of other loops cannot be closed from here and are dropped."""
        sessions, self._sessions = self._sessions, {}
        running = asyncio.get_running_loop()
        for loop, session in sessions.items():
            if loop is running:
                await session.close()
