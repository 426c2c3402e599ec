"""CPU priorities under supervisord with the stack's config, on stand-in programs: Rasa (the
stand-in: an HTTP server that forks a worker, as Sanic does) serves below the light processes
once it answers, its workers and threads included, and with another instance serving a
restarting one starts at that priority already. The light processes' restarts then get the
CPU first when Rasa's TensorFlow fills it (the sandbox's start, 2 s alone, took 5-15 s beside
three busy processes at the same priority and 2-4.5 s beside them at a lower one)."""

from __future__ import annotations

import sys
from pathlib import Path

from scripts.stack import Service, Stack, free_port
from tests.reliability.test_reaper import _until

# Answers HTTP on the port given; forks a worker and starts a thread, as Sanic and TensorFlow do.
SERVER = """
import os, sys, threading, time
from http.server import HTTPServer, BaseHTTPRequestHandler
class Ok(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
server = HTTPServer(("127.0.0.1", int(sys.argv[1])), Ok)
if os.fork() == 0:
    time.sleep(300)
threading.Thread(target=time.sleep, args=(300,), daemon=True).start()
server.serve_forever()
"""


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def thread_niceness(pid: int) -> set[int]:
    return {niceness(int(task.name)) for task in Path(f"/proc/{pid}/task").iterdir()}


def test_a_program_serves_at_its_niceness_once_it_answers(tmp_path: Path) -> None:
    port = free_port()
    stack = Stack.on_free_ports(tmp_path)
    server = tmp_path / "server.py"
    server.write_text(SERVER, encoding="utf-8")
    rasa = Service(
        "rasa",
        [sys.executable, str(server), str(port)],
        f"http://127.0.0.1:{port}/",
        start_seconds=1,
        serving_nice=7,
    )
    light = Service("sandbox", [sys.executable, "-c", "import time; time.sleep(300)"], start_seconds=1)
    stack.launch([rasa, light])
    try:
        _until(lambda: stack.states().get("rasa") == "RUNNING" and bool(stack.workers("rasa")), 30)
        main, (worker,) = stack.pid("rasa"), stack.workers("rasa")
        # The watchdog sees it answer on its next 5-second tick.
        _until(lambda: thread_niceness(main) == {7} and niceness(worker) == 7, 30)
        assert niceness(stack.pid("sandbox")) == 0
    finally:
        stack.stop()


def test_a_program_can_start_below_the_others(tmp_path: Path) -> None:
    stack = Stack.on_free_ports(tmp_path)
    stack.launch(
        [
            Service(
                "rasa-2",
                [sys.executable, "-c", "import time; time.sleep(300)"],
                start_seconds=1,
                start_nice=4,
            )
        ]
    )
    try:
        _until(lambda: stack.states().get("rasa-2") == "RUNNING", 30)
        assert niceness(stack.pid("rasa-2")) == 4  # `nice` ran it: the pid is the program's own
    finally:
        stack.stop()


def test_rasa_serves_below_the_light_processes_and_a_second_instance_starts_there(tmp_path: Path) -> None:
    model = Path("/models/citizen-test.tar.gz")
    one = {service.name: service for service in Stack.on_free_ports(tmp_path).prepare(model)}
    assert one["rasa"].serving_nice == 5 and one["rasa"].start_nice == 0  # a lone Rasa starts at once
    assert all(
        one[name].serving_nice == one[name].start_nice == 0 for name in ("sandbox", "actions", "gateway")
    )
    two = {
        service.name: service
        for service in Stack.on_free_ports(
            tmp_path, RASA_INSTANCES="2", REDIS_URL="redis://127.0.0.1:6379/0", AGENT_SESSION_SECRET="s" * 32
        ).prepare(model)
    }
    assert two["rasa"].start_nice == two["rasa-2"].start_nice == 5
    assert two["rasa-2"].supervised_command[:3] == ["nice", "-n", "5"]
    off = {service.name: service for service in Stack.on_free_ports(tmp_path, RASA_NICE="0").prepare(model)}
    assert off["rasa"].serving_nice == 0
