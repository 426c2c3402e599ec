"""`rasa run` without two per-message costs of Rasa 3.6; takes the `rasa` command's arguments.

    .venv-rasa/bin/python scripts/rasa_server.py run --enable-api --model ... --endpoints ...

Run by Rasa's own environment (it imports Rasa, never the project). Profiled under 16
concurrent bill queries (py-spy), the Rasa server spent:

- about 40 % of its CPU validating the action server's answers: Rasa calls
  `jsonschema.validate`, which first checks the schema itself (Rasa's events schema, hundreds
  of subschemas) against the metaschema, for every custom action a message runs (three for a
  bill query). Here the validator is built once; answers are checked against the same schema,
  and an invalid one fails with the same error and message as before;
- about 15-25 % in the embedded tracker store (SQLite, STATE_DIR/conversations.db): a new
  connection for every session (SQLAlchemy 1.4 pools no SQLite file) and a full fsync for
  every commit. Its connections are pooled here, and use the write-ahead log with
  `synchronous=NORMAL`, SQLite's recommended setting in WAL mode: whatever Rasa committed
  survives Rasa crashing or being killed (a half-finished form included); only a power cut
  may lose the last commits before it. PostgreSQL and Redis stores are untouched.

Every log record is masked as in the other processes (Rasa logs a timed-out message's text).
Nothing else changes: the arguments, the model, the channels and the answers are Rasa's.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path
from typing import Any


def _validate_with_one_validator() -> None:
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._validate_action_result
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, as jsonschema.validate did on every call
    validator = validator_class(schema)

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        """`jsonschema.validate(result, schema)` without re-checking the schema."""
        error = best_match(validator.iter_errors(result))
        if error is not None:
            original(self, result)  # raises Rasa's own ValidationError, with its message
            raise error
        return True

    RemoteAction._validate_action_result = validate_action_result


def _sqlite_without_full_fsync() -> None:
    from rasa.core import tracker_store
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import QueuePool

    rasa_engine_kwargs = tracker_store.create_engine_kwargs

    def engine_kwargs(url: Any) -> dict[str, Any]:
        """SQLAlchemy 1.4 opens SQLite files without a pool: a new connection (file open, schema
        read, the pragmas) for each of the three sessions a message takes. Pooled here."""
        if str(url).startswith("sqlite") and ":memory:" not in str(url):
            return {"poolclass": QueuePool, "connect_args": {"check_same_thread": False}}
        return rasa_engine_kwargs(url)

    tracker_store.create_engine_kwargs = engine_kwargs

    @event.listens_for(Engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()


def _mask_every_log_record() -> None:
    """Rasa logs what a citizen typed on some paths (a REST message whose answer timed out is
    logged at ERROR with its text): every record is masked when it is made, as in the other
    processes (common/masking.py, standard library only, copied into the Rasa image too)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from common.masking import PiiMaskingFilter

    masking, make_record = PiiMaskingFilter(), logging.getLogRecordFactory()

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        masking.filter(record)
        return record

    logging.setLogRecordFactory(masked_record)


def main() -> None:
    _mask_every_log_record()
    _validate_with_one_validator()
    _sqlite_without_full_fsync()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
