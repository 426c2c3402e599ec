"""The knowledge base is self-contained: it never imports or opens the department sandbox.

A deployment has no sandbox (it is the departments' reference implementation), so anything
the guides need, such as the halls' addresses and hours, must come from the knowledge base's
own content. The check runs in a fresh interpreter with an audit hook, so it sees every
import and every file opened while the knowledge base loads, checks, renders and searches.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from knowledge_base.config import PACKAGE_DIR

PROJECT_ROOT = PACKAGE_DIR.parent
SANDBOX_DIR = PROJECT_ROOT / "sandbox"

_PROBE = """
import json, pkgutil, importlib, sys, tempfile
from pathlib import Path

touched = []
sandbox = str(Path(sys.argv[1]).resolve())

def audit(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes, Path)):
        path = str(args[0] if not isinstance(args[0], bytes) else args[0].decode())
        if str(Path(path).resolve()).startswith(sandbox):
            touched.append(("open", path))
    elif event == "import" and args and str(args[0]).split(".")[0] == "sandbox":
        touched.append(("import", str(args[0])))

sys.addaudithook(audit)

import knowledge_base
for module in pkgutil.iter_modules(knowledge_base.__path__):
    importlib.import_module(f"knowledge_base.{module.name}")

from knowledge_base.answers import render_entry
from knowledge_base.catalog import load_catalog
from knowledge_base.config import RetrieverConfig
from knowledge_base.retriever import Retriever
from knowledge_base.schema import content_problems

config = RetrieverConfig()
catalog = load_catalog(config.content_dir)
assert content_problems() == []
guides = [entry for entry in catalog if entry.guide and entry.guide.halls]
assert guides and "政务大厅" in render_entry(guides[0], "where")
with tempfile.TemporaryDirectory() as cache:
    retriever = Retriever.from_config(
        RetrieverConfig(cache_dir=Path(cache)), catalog
    )
    retriever.decide("护照怎么办")
print(json.dumps(touched))
"""


def test_the_knowledge_base_never_touches_the_sandbox(tmp_path: Path) -> None:
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(PROJECT_ROOT)}
    for name in [key for key in environment if key.startswith("KB_")]:
        del environment[name]  # the shipped configuration, whatever the caller's shell says
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, str(SANDBOX_DIR)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    touched = json.loads(completed.stdout.strip().splitlines()[-1])
    assert touched == [], f"the knowledge base reached into sandbox/: {touched}"


def test_no_knowledge_base_source_names_the_sandbox_data() -> None:
    """A cheap guard against a new import or path creeping back in."""
    for path in PACKAGE_DIR.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "demo_city" not in source, path
        assert "from sandbox" not in source and "import sandbox" not in source, path
