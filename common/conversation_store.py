"""Where Rasa keeps conversations, and how long: one definition for the stack that configures
Rasa (scripts/stack.py writes it into Rasa's endpoints), the analytics that read the
conversations, and the notices process, whose scheduler purges those past their retention.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlparse

from common.settings import Settings, load_settings

CONVERSATIONS_DB = "conversations.db"
# How often the notices scheduler purges conversations past CONVERSATION_RETENTION_DAYS.
PURGE_EVERY_SECONDS = 3600


def redis_common(redis_url: str) -> tuple[dict[str, Any], int]:
    parsed = urlparse(redis_url)
    common: dict[str, Any] = {"url": parsed.hostname or "127.0.0.1", "port": parsed.port or 6379}
    if parsed.password:
        common["password"] = unquote(parsed.password)
    if parsed.scheme == "rediss":
        common["use_ssl"] = True
    return common, int(parsed.path.lstrip("/") or 0)


def is_postgres(url: str) -> bool:
    return url.split("://", 1)[0].split("+", 1)[0] in {"postgresql", "postgres"}


def tracker_store_config(settings: Settings) -> dict[str, Any]:
    """Where Rasa keeps conversations, so a restart of Rasa loses no half-finished form.

    REDIS_URL set: Redis (db N), each conversation expiring CONVERSATION_RETENTION_DAYS after
    its last message (`record_exp`); the shared store several Rasa workers or instances need.
    Else DATABASE_URL on PostgreSQL: Rasa's SQL tracker store there (table `events`). Else the
    embedded default: the SQL tracker store on SQLite, STATE_DIR/conversations.db. SQL stores
    are purged of conversations past their retention by the notices scheduler (`purge_conversations`)."""
    retention_seconds = settings.conversation_retention_days * 86400
    if settings.redis_url:
        common, database = redis_common(settings.redis_url)
        config = {"type": "redis", **common, "db": database, "key_prefix": "citizen"}
        if retention_seconds > 0:
            config["record_exp"] = int(retention_seconds)
        return config
    if is_postgres(settings.database_url):
        parsed = urlparse(settings.database_url)
        config = {
            "type": "SQL",
            "dialect": "postgresql",
            "url": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 5432,
            "db": parsed.path.lstrip("/") or "postgres",
        }
        if parsed.username:
            config["username"] = unquote(parsed.username)
        if parsed.password:
            config["password"] = unquote(parsed.password)
        if parsed.query:
            config["query"] = dict(parse_qsl(parsed.query))
        return config
    return {"type": "SQL", "dialect": "sqlite", "db": str(settings.state_dir / CONVERSATIONS_DB)}


def purges_conversations(settings: Settings) -> bool:
    """Whether conversations are purged at all: kept in SQL (Redis ones expire by themselves)
    and not kept forever."""
    return tracker_store_config(settings)["type"] == "SQL" and settings.conversation_retention_days > 0


def purge_conversations(env: Mapping[str, str]) -> int:
    """Deletes the conversations of Rasa's SQL tracker store whose last event is older than
    CONVERSATION_RETENTION_DAYS (0 keeps them forever); returns the events deleted. Redis
    conversations expire by themselves."""
    from sqlalchemy import inspect, text

    from common.database import create_db_engine

    settings = load_settings(env)
    if not purges_conversations(settings):
        return 0
    config = tracker_store_config(settings)
    url = settings.database_url if config["dialect"] == "postgresql" else f"sqlite:///{config['db']}"
    if config["dialect"] == "sqlite" and not Path(config["db"]).exists():
        return 0
    engine = create_db_engine(url)
    cutoff = time.time() - settings.conversation_retention_days * 86400
    try:
        with engine.begin() as connection:
            if not inspect(connection).has_table("events"):
                return 0
            result = connection.execute(
                text(
                    "DELETE FROM events WHERE sender_id IN (SELECT sender_id FROM events"
                    " GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)"
                ),
                {"cutoff": cutoff},
            )
            return result.rowcount or 0
    finally:
        engine.dispose()
