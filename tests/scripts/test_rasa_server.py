"""scripts/rasa_server.py, the Rasa server the stack runs: the action server's answers are still
validated against Rasa's schema (an invalid one refused with Rasa's message), and the embedded
tracker store's SQLite connections are pooled and use the write-ahead log with synchronous=NORMAL."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from scripts.stack import RASA_PYTHON, RASA_SERVER, Stack
from scripts.train import PROJECT_ROOT, rasa_environment


def test_action_answers_are_validated_once_built_and_sqlite_commits_without_full_fsync() -> None:
    completed = subprocess.run(
        [str(RASA_PYTHON), str(Path(__file__).with_name("rasa_server_probe.py"))],
        cwd=PROJECT_ROOT,
        env=rasa_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    assert results["valid"] is True
    for refused in ("unknown event", "responses not a list"):
        assert "Failed to validate Action server response" in results[refused], results
    assert results["schema checks"] == 0  # jsonschema.validate checks Rasa's schema every time
    assert results["pooled"] is True
    assert results["journal_mode"] == "wal"
    assert results["synchronous"] == 1  # NORMAL


def test_the_stack_runs_rasa_through_it(tmp_path: Path) -> None:
    services = {service.name: service for service in Stack.on_free_ports(tmp_path).prepare(tmp_path / "m")}
    assert services["rasa"].command[:3] == [str(RASA_PYTHON), str(RASA_SERVER), "run"]
