"""What a restarting process compiles and imports before it answers: every second of it is a
second of the gap after a crash (issue 17's targets: the sandbox back within 5 s, a lone Rasa
within 60 s). The environments hold compiled bytecode, so a process that may not write
`__pycache__` (PYTHONDONTWRITEBYTECODE, a read-only image) does not compile every module it
imports at every start (Rasa's imports: 24 s of CPU from source, 7 s compiled); the sandbox
does not load what SQLite never uses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.stack import APP_PYTHON, PROJECT_ROOT, RASA_PYTHON

# The packages that make up most of each process's imports.
HEAVY_PACKAGES = {
    APP_PYTHON: ("fastapi", "pydantic", "sqlalchemy", "starlette", "uvicorn", "sanic"),
    RASA_PYTHON: ("rasa", "tensorflow", "keras", "sanic", "sqlalchemy"),
}
UNCOMPILED = """
import importlib.util, os, sys
for package in sys.argv[1:]:
    root = next(iter(importlib.util.find_spec(package).submodule_search_locations))
    for folder, _, files in os.walk(root):
        for name in files:
            source = os.path.join(folder, name)
            if name.endswith(".py") and not os.path.exists(importlib.util.cache_from_source(source)):
                print(source)
"""


@pytest.mark.parametrize("python", list(HEAVY_PACKAGES), ids=lambda path: Path(path).parts[-3])
def test_the_environments_hold_compiled_bytecode(python: Path) -> None:
    found = subprocess.run(
        [str(python), "-c", UNCOMPILED, *HEAVY_PACKAGES[python]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 0, found.stderr
    uncompiled = found.stdout.split()
    assert not uncompiled, (
        f"{len(uncompiled)} modules without bytecode, e.g. {uncompiled[:3]}: "
        "run scripts/bootstrap.sh (uv pip install --compile-bytecode)"
    )


def test_every_install_compiles_bytecode() -> None:
    """bootstrap.sh and both images: uv, unlike pip, installs source only unless asked."""
    for path in ("scripts/bootstrap.sh", "deploy/Dockerfile", "deploy/Dockerfile.rasa"):
        lines = (PROJECT_ROOT / path).read_text(encoding="utf-8").splitlines()
        installs = [line for line in lines if re.search(r"\buv pip install|UV\[@\]\}\" pip install", line)]
        assert installs, path
        assert all("--compile-bytecode" in line for line in installs), path


def test_the_sandbox_on_sqlite_does_not_load_the_postgresql_dialect(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from sandbox.app import create_app\n"
        "create_app()\n"
        "print(','.join(name for name in ('sqlalchemy.dialects.postgresql', 'httpx') if name in sys.modules))\n"
    )
    started = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": "", "STATE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "", f"imported at start: {started.stdout.strip()}"
