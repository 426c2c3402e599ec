"""supervisord event listener that restarts a program which is running but no longer answers.

    watchdog.py PROGRAM LIVENESS_URL [--nice N]   (started by scripts/stack.py, one per program)

supervisord restarts a program that exits; a hung one (deadlocked, stopped, its event loop
blocked) stays "RUNNING" forever. On every TICK_5 event this listener asks the program's
liveness URL; after FAILURES_BEFORE_RESTART failed checks in a row it restarts the program
through supervisord's RPC interface, as `supervisorctl restart` would.

Only a process that has answered once is watched: on a loaded machine a program may take a
minute to bind its port, and restarting it for that would restart it forever (superlance's
httpok does exactly that: it restarts on the first failed check of any RUNNING process).

With `--nice N` the program's whole process group (its workers and their threads included) is
set to niceness N the first time a new process answers: Rasa starts at the priority it was
given, so a lone Rasa coming back (the citizens' longest wait) does not yield to others, and
serves at N, below the light processes, so their restarts and the gateway's answers do not
queue behind TensorFlow. Raising niceness needs no privilege.
"""

from __future__ import annotations

import os
import sys
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


def main(argv: list[str]) -> None:
    program, url, *options = argv
    nice = int(options[options.index("--nice") + 1]) if "--nice" in options else 0
    watch = Watch(program, url, nice)
    rpc = childutils.getRPCInterface(os.environ)
    while True:
        headers, _payload = childutils.listener.wait(sys.stdin, sys.stdout)
        if headers["eventname"].startswith("TICK"):
            try:
                watch.tick(rpc)
            except Exception as error:  # a listener that dies would stop watching
                print(f"watchdog of {program}: {type(error).__name__}: {error}", file=sys.stderr)
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
