"""supervisord with the stack's config on a stand-in program that forks a worker, as uvicorn
and Sanic do: kill -9 of the program's main process restarts it, and the orphaned worker is
killed (it would hold the port the restarted program must bind)."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from scripts.stack import Service, Stack

FORKER = "import os, time; os.fork(); time.sleep(300)"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def _until(condition, seconds: float = 15) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_killed_program_restarts_and_its_orphaned_worker_is_reaped(tmp_path: Path) -> None:
    stack = Stack.on_free_ports(tmp_path)
    stack.launch([Service("forker", [sys.executable, "-c", FORKER], start_seconds=1)])
    try:
        _until(lambda: stack.states().get("forker") == "RUNNING" and bool(stack.workers("forker")))
        parent, (worker,) = stack.pid("forker"), stack.workers("forker")
        os.kill(parent, signal.SIGKILL)
        _until(lambda: not _alive(worker))
        _until(lambda: stack.states().get("forker") == "RUNNING" and stack.pid("forker") != parent)
        assert (tmp_path / "logs" / "forker.log").exists()
        survivor = stack.workers("forker")
    finally:
        stack.stop()
    assert survivor and not any(_alive(pid) for pid in survivor), "stop kills the whole group"
    assert stack.supervisord is None
