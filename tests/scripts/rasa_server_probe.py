"""Run by tests/scripts/test_rasa_server.py in Rasa's environment: applies scripts/rasa_server.py's
changes and prints what they do as JSON."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core import tracker_store
from rasa.core.actions.action import RemoteAction
from sqlalchemy import create_engine, text
from sqlalchemy.pool import QueuePool

from scripts import rasa_server

rasa_server._validate_with_one_validator()
rasa_server._sqlite_without_full_fsync()
action = RemoteAction("action_query_bill", None)
validator_class = validator_for(RemoteAction.action_response_format_spec())
schema_checks = []
check_schema = validator_class.check_schema
validator_class.check_schema = classmethod(
    lambda cls, schema, **kw: schema_checks.append(1) or check_schema(schema, **kw)
)
valid = {
    "events": [{"event": "slot", "name": "bill_type", "value": "water", "timestamp": None}],
    "responses": [{"text": "本月水费86.40元"}],
}
results = {"valid": all(action._validate_action_result(valid) for _ in range(3))}
results["schema checks"] = len(schema_checks)
for name, answer in {
    "unknown event": {"events": [{"event": "no_such_event"}], "responses": []},
    "responses not a list": {"events": [], "responses": {"text": "x"}},
}.items():
    try:
        action._validate_action_result(answer)
        results[name] = "accepted"
    except ValidationError as error:
        results[name] = error.message
with tempfile.TemporaryDirectory() as directory:
    url = f"sqlite:///{directory}/conversations.db"
    results["pooled"] = tracker_store.create_engine_kwargs(url).get("poolclass") is QueuePool
    engine = create_engine(url, **tracker_store.create_engine_kwargs(url))
    with engine.connect() as connection:
        results["journal_mode"] = connection.execute(text("PRAGMA journal_mode")).scalar()
        results["synchronous"] = connection.execute(text("PRAGMA synchronous")).scalar()
    engine.dispose()
print(json.dumps(results, ensure_ascii=False))
