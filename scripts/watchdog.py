"""supervisord event listener that restarts a program which is running but no longer answers.

    watchdog.py PROGRAM=LIVENESS_URL[@NICE] ...   (started by scripts/stack.py, one for all programs)

supervisord restarts a program that exits; a hung one (deadlocked, stopped, its event loop
blocked) stays "RUNNING" forever. On every TICK_5 event this listener asks each program's
liveness URL, all at once (one hung program must not delay the checks of the others); after
FAILURES_BEFORE_RESTART failed checks in a row it restarts the program through supervisord's
RPC interface, as `supervisorctl restart` would. One listener watches every program: a
listener per program cost 25 MB of memory each for a loop that mostly sleeps.

Only a process that has answered once is watched: on a loaded machine a program may take a
minute to bind its port, and restarting it for that would restart it forever (superlance's
httpok does exactly that: it restarts on the first failed check of any RUNNING process).

With `@NICE` the program's whole process group (its workers and their threads included) is
set to niceness N the first time a new process answers: Rasa starts at the priority it was
given, so a lone Rasa coming back (the citizens' longest wait) does not yield to others, and
serves at N, below the light processes, so their restarts and the gateway's answers do not
queue behind TensorFlow. Raising niceness needs no privilege.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from supervisor import childutils

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.probe import answers

TIMEOUT_SECONDS = 10.0
FAILURES_BEFORE_RESTART = 2


class Watch:
    """What one program's watchdog remembers between ticks."""

    def __init__(self, program: str, url: str, nice: int = 0) -> None:
        self.program = program
        self.url = url
        self.nice = nice
        self.answered_pid = 0
        self.failures = 0

    def tick(self, rpc: object) -> None:
        info = rpc.supervisor.getProcessInfo(self.program)  # type: ignore[attr-defined]
        if info["statename"] != "RUNNING":
            self.failures = 0
            return
        pid = int(info["pid"])
        if answers(self.url, TIMEOUT_SECONDS):
            if pid != self.answered_pid and self.nice:
                self.serve_at_nice(pid)
            self.answered_pid, self.failures = pid, 0
            return
        if pid != self.answered_pid:
            return  # this process has not answered yet: still starting
        self.failures += 1
        if self.failures >= FAILURES_BEFORE_RESTART:
            print(
                f"{self.program} (pid {pid}) stopped answering {self.failures} checks: restarting",
                file=sys.stderr,
            )
            rpc.supervisor.stopProcess(self.program, True)  # type: ignore[attr-defined]
            rpc.supervisor.startProcess(self.program, False)  # type: ignore[attr-defined]
            self.answered_pid, self.failures = 0, 0

    def serve_at_nice(self, pid: int) -> None:
        """Every process and thread of the group the program leads (pgid = its pid)."""
        try:
            os.setpriority(os.PRIO_PGRP, pid, self.nice)
        except OSError as error:
            print(f"{self.program}: could not set niceness {self.nice}: {error}", file=sys.stderr)


def parse_watches(arguments: list[str]) -> list[Watch]:
    """`PROGRAM=URL[@NICE]` each (a URL holds no "@" here: the stack's are plain http://host:port/...)."""
    watches: list[Watch] = []
    for argument in arguments:
        program, _, target = argument.partition("=")
        url, _, nice = target.partition("@")
        watches.append(Watch(program, url, int(nice or 0)))
    return watches


def tick_all(watches: list[Watch], rpc_of_thread: Callable[[], object], pool: ThreadPoolExecutor) -> None:
    """Every program checked concurrently; a failure to check one is logged, never fatal (a
    listener that dies would stop watching them all)."""

    def tick(watch: Watch) -> None:
        try:
            watch.tick(rpc_of_thread())
        except Exception as error:
            print(f"watchdog of {watch.program}: {type(error).__name__}: {error}", file=sys.stderr)

    list(pool.map(tick, watches))


def main(argv: list[str]) -> None:
    watches = parse_watches(argv)
    local = threading.local()

    def rpc_of_thread() -> object:
        """xmlrpc's transport holds one connection and is not thread-safe: one per thread."""
        if not hasattr(local, "rpc"):
            local.rpc = childutils.getRPCInterface(os.environ)
        return local.rpc

    with ThreadPoolExecutor(max_workers=max(len(watches), 1)) as pool:
        while True:
            headers, _payload = childutils.listener.wait(sys.stdin, sys.stdout)
            if headers["eventname"].startswith("TICK"):
                tick_all(watches, rpc_of_thread, pool)
            childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
