"""httpx's connection pool asks which async library runs it at every request, importing sniffio
each time (httpcore._synchronization.current_async_library); where sniffio is missing, each of
those imports fails after searching sys.path: about 9 % of the gateway's CPU under load in a
py-spy profile. requirements/app.txt installs it, so the import is one dictionary lookup."""

from __future__ import annotations

import asyncio
import builtins
from typing import Any

import httpcore._synchronization as synchronization


def test_the_pools_async_library_check_imports_nothing_new() -> None:
    failed: list[str] = []
    real_import = builtins.__import__

    def counting_import(name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return real_import(name, *args, **kwargs)
        except ImportError:
            failed.append(name)
            raise

    async def check() -> str:
        return synchronization.current_async_library()

    builtins.__import__ = counting_import
    try:
        library = asyncio.run(check())
    finally:
        builtins.__import__ = real_import
    assert library == "asyncio"
    assert failed == [], f"imports that fail at every request: {failed}"
