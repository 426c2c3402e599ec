"""The one watchdog listener (scripts/watchdog.py) checks every program on each tick, all at
once: a hung program, whose liveness check waits its whole timeout, must not hold back the
checks (and restarts) of the others."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from scripts import watchdog
from scripts.watchdog import Watch, parse_watches, tick_all


def test_each_program_is_read_with_its_url_and_niceness() -> None:
    watches = parse_watches(["sandbox=http://127.0.0.1:5055/health", "rasa=http://127.0.0.1:5005/@5"])
    assert [(w.program, w.url, w.nice) for w in watches] == [
        ("sandbox", "http://127.0.0.1:5055/health", 0),
        ("rasa", "http://127.0.0.1:5005/", 5),
    ]


class _Supervisor:
    def __init__(self) -> None:
        self.restarted: list[str] = []

    def getProcessInfo(self, program: str) -> dict[str, object]:
        return {"statename": "RUNNING", "pid": 100}

    def stopProcess(self, program: str, wait: bool) -> None:
        self.restarted.append(program)

    def startProcess(self, program: str, wait: bool) -> None:
        pass


class _Rpc:
    def __init__(self) -> None:
        self.supervisor = _Supervisor()


def test_a_hung_program_does_not_delay_the_restart_of_another(monkeypatch) -> None:
    hung_check_released = threading.Event()

    def answers(url: str, timeout: float) -> bool:
        if url == "http://hung/":
            hung_check_released.wait(5)  # a check that waits out its timeout
            return True
        return False  # the other program stopped answering

    monkeypatch.setattr(watchdog, "answers", answers)
    rpc = _Rpc()
    hung, silent = Watch("hung", "http://hung/"), Watch("silent", "http://silent/")
    hung.answered_pid = silent.answered_pid = 100  # both answered once, so both are watched
    silent.failures = watchdog.FAILURES_BEFORE_RESTART - 1
    with ThreadPoolExecutor(max_workers=2) as pool:
        ticking = threading.Thread(target=tick_all, args=([hung, silent], lambda: rpc, pool))
        ticking.start()
        deadline = time.monotonic() + 3
        while not rpc.supervisor.restarted and time.monotonic() < deadline:
            time.sleep(0.01)
        restarted_while_the_hung_check_waited = list(rpc.supervisor.restarted)
        hung_check_released.set()
        ticking.join(5)
    assert restarted_while_the_hung_check_waited == ["silent"]


def test_a_check_that_fails_is_logged_and_the_others_still_run(monkeypatch, capsys) -> None:
    class _Broken(Watch):
        def tick(self, rpc: object) -> None:
            raise ConnectionError("supervisord went away")

    checked: list[str] = []

    class _Counted(Watch):
        def tick(self, rpc: object) -> None:
            checked.append(self.program)

    with ThreadPoolExecutor(max_workers=2) as pool:
        tick_all([_Broken("a", "http://a/"), _Counted("b", "http://b/")], lambda: None, pool)
    assert checked == ["b"]
    assert "watchdog of a: ConnectionError" in capsys.readouterr().err
