"""Runs a script in the Rasa environment for tests/rasa_components (this suite runs in the app's,
which has no Rasa) and reads the JSON the script prints on its last line."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from scripts.stack import RASA_BIN
from scripts.train import PROJECT_ROOT, rasa_environment

RASA_PYTHON = RASA_BIN.parent / "python"


def rasa_json(*args: str, timeout_seconds: float = 300) -> Any:
    """`python ARGS...` in the Rasa environment from the project root; fails the test with the
    script's error output unless it exits 0."""
    completed = subprocess.run(
        [str(RASA_PYTHON), *args],
        cwd=PROJECT_ROOT,
        env=rasa_environment(),
        capture_output=True,
        text=True,
        timeout=timeout_seconds,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])
