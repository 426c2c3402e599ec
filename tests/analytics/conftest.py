"""A tracker store in Rasa's own `events` schema, filled with the events a conversation leaves,
and the assistant's database beside it, in a fresh state directory per test."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, insert

from common.settings import Settings

EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), index=True),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


class Tracker:
    """Writes events as Rasa's SQLTrackerStore does, each a second after the previous one."""

    def __init__(self, path: Path) -> None:
        self._engine = create_engine(f"sqlite:///{path}")
        EVENTS.metadata.create_all(self._engine)
        self.clock = time.time() - 3600

    def _add(self, sender: str, type_name: str, data: dict[str, Any], at: float | None = None) -> None:
        self.clock = at if at is not None else self.clock + 1
        with self._engine.begin() as connection:
            connection.execute(
                insert(EVENTS).values(
                    sender_id=sender, type_name=type_name, timestamp=self.clock, data=json.dumps(data)
                )
            )

    def session(self, sender: str, at: float | None = None) -> None:
        self._add(sender, "action", {"event": "action", "name": "action_session_start"}, at)
        self._add(sender, "session_started", {"event": "session_started"})

    def user(self, sender: str, text: str, at: float | None = None) -> None:
        self._add(sender, "user", {"event": "user", "text": text, "input_channel": "rest"}, at)

    def bot(
        self, sender: str, text: str, buttons: list[str] = (), custom: dict[str, Any] | None = None
    ) -> None:
        content = {"buttons": [{"title": b, "payload": b} for b in buttons] or None, "custom": custom}
        self._add(sender, "bot", {"event": "bot", "text": text, "data": content})

    def slot(self, sender: str, name: str, value: Any) -> None:
        self._add(sender, "slot", {"event": "slot", "name": name, "value": value})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path)


@pytest.fixture
def tracker(settings: Settings) -> Iterator[Tracker]:
    yield Tracker(settings.state_dir / "conversations.db")
