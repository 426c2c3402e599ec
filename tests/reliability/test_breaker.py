"""The departments' circuit breaker as citizens meet it when a department dies and comes back,
against the real sandbox process (killed -9 and started again, as in the fault drill) and a
real hanging department."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from departments.base import ClientLimits, DepartmentUnavailable
from departments.utility import UtilityClient
from scripts.probe import answers
from scripts.stack import APP_PYTHON, PROJECT_ROOT, free_port
from tests.servers import serve

# Open for a whole minute after a slow failure: a department refusing connections must not
# keep citizens waiting that long once it is back.
LIMITS = ClientLimits(timeout_seconds=1.0, read_retries=0, breaker_failures=2, breaker_reset_seconds=60.0)
WATER_ACCOUNT = "3100012345"


class SandboxProcess:
    """`python -m sandbox` on one port, which can be killed and started again on it."""

    def __init__(self, state_dir: Path) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        self._env = {
            **os.environ,
            "SANDBOX_URL": self.url,
            "STATE_DIR": str(state_dir),
            "SANDBOX_API_KEY": "",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(APP_PYTHON), "-m", "sandbox"], cwd=PROJECT_ROOT, env=self._env, stdout=subprocess.DEVNULL
        )
        for _ in range(600):
            if answers(f"{self.url}/health", 2.0):
                return
            assert self.process.poll() is None, "the sandbox exited while starting"
            time.sleep(0.1)
        raise TimeoutError("the sandbox did not start")

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    process = SandboxProcess(tmp_path)
    process.start()
    try:
        yield process
    finally:
        if process.process is not None and process.process.poll() is None:
            process.kill()


async def test_a_department_back_after_a_crash_is_used_again_at_once(sandbox: SandboxProcess) -> None:
    water = UtilityClient(sandbox.url, LIMITS, "供水公司")
    assert (await water.get_account(WATER_ACCOUNT)).account_number == WATER_ACCOUNT
    sandbox.kill()
    for _ in range(LIMITS.breaker_failures + 1):  # citizens asking meanwhile: the breaker opens
        with pytest.raises(DepartmentUnavailable):
            await water.get_account(WATER_ACCOUNT)
    sandbox.start()
    # The breaker opened on refused connections: a trial goes through within a second, not
    # after the minute it stays open for a department that hangs.
    answered = None
    for _ in range(20):
        try:
            answered = await water.get_account(WATER_ACCOUNT)
            break
        except DepartmentUnavailable:
            await asyncio.sleep(0.25)
    assert answered is not None and answered.account_number == WATER_ACCOUNT
    await water.aclose()


async def test_a_hanging_department_gets_one_trial_call_at_a_time() -> None:
    """Half-open: after the open period one citizen's call tries the department; the others
    are told "busy" at once instead of all waiting for the timeout together."""
    from fastapi import FastAPI

    calls: list[str] = []
    app = FastAPI()

    @app.get("/utility/v1/accounts/{number}")
    async def hang(number: str) -> dict[str, str]:
        calls.append(number)
        await asyncio.sleep(5)
        return {}

    limits = ClientLimits(timeout_seconds=0.5, read_retries=0, breaker_failures=2, breaker_reset_seconds=0.3)
    with serve(app) as url:
        water = UtilityClient(url, limits, "供水公司")
        for _ in range(limits.breaker_failures):
            with pytest.raises(DepartmentUnavailable):
                await water.get_account(WATER_ACCOUNT)
        await asyncio.sleep(limits.breaker_reset_seconds + 0.1)
        before = len(calls)
        results = await asyncio.gather(
            *(water.get_account(WATER_ACCOUNT) for _ in range(5)), return_exceptions=True
        )
        assert all(isinstance(result, DepartmentUnavailable) for result in results)
        assert len(calls) - before == 1, "only the trial call reached the hanging department"
        assert sum("circuit open" in str(result) for result in results) == 4
        await water.aclose()
