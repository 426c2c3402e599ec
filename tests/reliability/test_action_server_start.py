"""What the action server imports before it answers: every second of it is a second of the
gap after a crash (issue 17's target: back within 15 s). The knowledge base's retriever and
scikit-learn (about half the start's CPU) load in the background thread after the actions
are registered, never on the way to the port."""

from __future__ import annotations

import os
import subprocess
import sys

from scripts.stack import PROJECT_ROOT

HEAVY = ("sklearn", "scipy", "knowledge_base.retriever", "knowledge_base.lexical")


def test_registering_the_actions_leaves_the_heavy_loads_to_the_background() -> None:
    code = (
        "import sys\n"
        "from rasa_sdk.executor import ActionExecutor\n"
        "ActionExecutor().register_package('actions')\n"
        f"print(','.join(name for name in {HEAVY!r} if name in sys.modules))\n"
    )
    registered = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={**os.environ, "KB_PRELOAD": "false"},  # the background load would import them
        capture_output=True,
        text=True,
        check=False,
    )
    assert registered.returncode == 0, registered.stderr
    assert registered.stdout.strip() == "", f"imported while registering: {registered.stdout.strip()}"
