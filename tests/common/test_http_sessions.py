"""One pooled aiohttp session per event loop (common/http_sessions.py), shared by the gateway's
Rasa client and the department clients."""

from __future__ import annotations

import asyncio

import aiohttp

from common.http_sessions import LoopSessions


def test_each_loop_gets_its_own_session_and_reuses_it() -> None:
    sessions = LoopSessions(aiohttp.ClientTimeout(total=1))

    async def twice() -> tuple[aiohttp.ClientSession, aiohttp.ClientSession]:
        return sessions.session(), sessions.session()

    first, again = asyncio.run(twice())
    assert first is again
    other, _ = asyncio.run(twice())  # a new loop: the first one's session is not reused there
    assert other is not first

    async def close() -> aiohttp.ClientSession:
        session = sessions.session()
        await sessions.close()
        return session

    assert asyncio.run(close()).closed
