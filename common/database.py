"""The assistant's own database: one engine per URL, one declarative base, one store base.

Bindings, payment orders, handoffs and agent feedback live in `assistant_*` tables (SQLite in
the state directory by default, `DATABASE_URL` otherwise). Every store subclasses
`AssistantStore`, so the engine, the session factory and the schema set-up are written once;
tables are created on a store's first use, never at import, so a process starts even while the
database is down and says so when a request needs it. `python scripts/migrate.py` creates
every table up front for a deployment. The department sandbox keeps its own database
module; it only borrows `create_db_engine`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

T = TypeVar("T")


class AssistantBase(DeclarativeBase):
    """Declarative base of every `assistant_*` table, whichever package defines it."""


def create_db_engine(url: str) -> Engine:
    """SQLite with WAL and foreign keys (the embedded default), or a pooled server database."""
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 15}, hide_parameters=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # hide_parameters: SQL errors never carry the identifiers bound into a statement.
    return create_engine(url, pool_pre_ping=True, pool_size=10, hide_parameters=True)


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def shared_engine(url: str) -> Engine:
    """One engine (and so one connection pool) per database URL in a process."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create_db_engine(url)
        return engine


def dispose_engines() -> None:
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


class AssistantStore:
    """Base of the stores of `assistant_*` tables: sessions on the shared engine, the store's
    tables created on first use, and `_run` to keep blocking database calls off the event loop."""

    tables: tuple[type[AssistantBase], ...] = ()

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._session_factory: sessionmaker[Session] | None = None
        self._ready = threading.Lock()

    @property
    def _sessions(self) -> sessionmaker[Session]:
        if self._session_factory is None:
            with self._ready:
                if self._session_factory is None:
                    engine = shared_engine(self._database_url)
                    create_tables(engine, self.tables)
                    self._session_factory = sessionmaker(engine, expire_on_commit=False)
        return self._session_factory

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(function, *args)


def create_tables(engine: Engine, models: Iterable[type[AssistantBase]]) -> None:
    tables: list[Table] = [model.__table__ for model in models]  # type: ignore[misc]
    AssistantBase.metadata.create_all(engine, tables=tables)
