"""The processes behind the gateway refuse callers without their credential, over real HTTP:
the action server (ACTION_SERVER_TOKEN, run as `python -m actions.server` exactly as deployed),
the department sandbox (SANDBOX_API_KEY, which the department clients present from
DEPARTMENT_API_KEY, or a department's own `<KEY>_API_TOKEN`), and the sandbox's fault switches, which are off unless asked for."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from common.settings import Settings, load_settings
from departments.base import ClientLimits, DepartmentUnavailable
from departments.population import PopulationClient
from departments.registry import Departments
from sandbox.app import create_app as create_sandbox_app
from scripts.stack import PROJECT_ROOT, free_port
from tests.servers import serve

ACTION_TOKEN = secrets.token_urlsafe(16)
SANDBOX_KEY = secrets.token_urlsafe(16)
ID_NUMBER, PHONE = "371002198503122311", "13805310001"
ACTION_CALL = {
    "next_action": "action_that_does_not_exist",
    "sender_id": "web:x",
    "tracker": {"sender_id": "web:x", "slots": {}, "latest_message": {}, "events": []},
    "domain": {},
    "version": "3.6.2",
}


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`python -m actions.server -p PORT` with a token, as the stack runs it; (url, its log)."""
    port = free_port()
    log = tmp_path_factory.mktemp("actions") / "actions.log"
    env = {
        **os.environ,
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        "ACTION_SERVER_URL": f"http://127.0.0.1:{port}",
        "KB_PRELOAD": "0",
        "LOG_LEVEL": "INFO",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "actions.server", "-p", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"the action server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the action server did not start in 90 s")
            time.sleep(0.3)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_action_server_refuses_webhook_calls_without_the_token(action_server: tuple[str, Path]) -> None:
    url, _log = action_server
    with httpx.Client(base_url=url, timeout=10) as http:
        missing = http.post("/webhook", json=ACTION_CALL)
        wrong = http.post("/webhook", params={"token": "guess"}, json=ACTION_CALL)
        wrong_bearer = http.post("/webhook", headers={"Authorization": "Bearer guess"}, json=ACTION_CALL)
        listing = http.get("/actions")
        health = http.get("/health")
    for refused in (missing, wrong, wrong_bearer, listing):
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"] == "unauthorized"
    assert health.status_code == 200


def test_action_server_runs_actions_for_the_token(action_server: tuple[str, Path]) -> None:
    url, log = action_server
    with httpx.Client(base_url=url, timeout=10) as http:
        # Rasa's way: the endpoint's token as ?token=. The action is unknown, so rasa-sdk itself
        # answers 404: the call got past the check into the executor.
        by_query = http.post("/webhook", params={"token": ACTION_TOKEN}, json=ACTION_CALL)
        by_header = http.post(
            "/webhook", headers={"Authorization": f"Bearer {ACTION_TOKEN}"}, json=ACTION_CALL
        )
        listing = http.get("/actions", params={"token": ACTION_TOKEN})
    assert by_query.status_code == 404 and by_query.json()["action_name"] == ACTION_CALL["next_action"]
    assert by_header.status_code == 404
    assert listing.status_code == 200 and {"name": "action_greet"} in listing.json()
    assert ACTION_TOKEN not in log.read_text(errors="replace")


@pytest.fixture(scope="module")
def keyed_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(state_dir=tmp_path_factory.mktemp("sandbox-keyed"), sandbox_api_key=SANDBOX_KEY)
    with serve(create_sandbox_app(settings)) as url:
        yield url


def test_sandbox_refuses_citizen_records_without_the_key(keyed_sandbox: str) -> None:
    query = {"id_number": ID_NUMBER}
    with httpx.Client(base_url=keyed_sandbox, timeout=10) as http:
        missing = http.get("/population/v1/citizens", params=query)
        wrong = http.get("/population/v1/citizens", params=query, headers={"Authorization": "Bearer nope"})
        wrong_header = http.get("/population/v1/citizens", params=query, headers={"X-Api-Key": "nope"})
        by_bearer = http.get(
            "/population/v1/citizens", params=query, headers={"Authorization": f"Bearer {SANDBOX_KEY}"}
        )
        by_header = http.get("/population/v1/citizens", params=query, headers={"X-Api-Key": SANDBOX_KEY})
        health = http.get("/health")
    for refused in (missing, wrong, wrong_header):
        assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
        assert PHONE not in refused.text
    assert by_bearer.status_code == 200 and by_bearer.json()[0]["phone"] == PHONE
    assert by_header.status_code == 200
    assert health.status_code == 200


def _limits(api_key: str = "") -> ClientLimits:
    return ClientLimits(
        timeout_seconds=3, read_retries=0, breaker_failures=5, breaker_reset_seconds=30, api_key=api_key
    )


async def test_department_clients_present_the_key(keyed_sandbox: str) -> None:
    keyed = PopulationClient(keyed_sandbox, _limits(SANDBOX_KEY))
    unkeyed = PopulationClient(keyed_sandbox, _limits())
    try:
        citizen = await keyed.find_by_id_number(ID_NUMBER)
        assert citizen is not None and citizen.citizen_id == "C001"
        # A refused credential is the deployment's fault: "busy", never "no such record".
        with pytest.raises(DepartmentUnavailable):
            await unkeyed.find_by_id_number(ID_NUMBER)
    finally:
        await keyed.aclose()
        await unkeyed.aclose()


def test_the_sandbox_fault_switches_are_off_by_default(tmp_path: Path) -> None:
    assert Settings().sandbox_faults_enabled is False
    with serve(create_sandbox_app(Settings(state_dir=tmp_path))) as url, httpx.Client(base_url=url) as http:
        arm = http.post("/_faults/utility", json={"mode": "error"})
        listing = http.get("/_faults")
        reset = http.delete("/_faults")
        bill = http.get("/population/v1/citizens", params={"id_number": ID_NUMBER})
    assert arm.status_code == 404 and listing.status_code == 404 and reset.status_code in (404, 405)
    assert bill.status_code == 200


def test_the_fault_switches_when_enabled(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, sandbox_faults_enabled=True)
    with serve(create_sandbox_app(settings)) as url, httpx.Client(base_url=url) as http:
        assert http.post("/_faults/population", json={"mode": "error"}).status_code == 200
        assert http.get("/population/v1/citizens", params={"id_number": ID_NUMBER}).status_code == 500
        assert http.delete("/_faults").status_code == 204


def test_a_department_credential_opens_only_that_department(tmp_path: Path) -> None:
    """WATER_API_TOKEN is what the water company's client sends, and all it opens."""
    water_token, key = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    environ = {"STATE_DIR": str(tmp_path), "SANDBOX_API_KEY": key, "WATER_API_TOKEN": water_token}
    settings = load_settings(environ)
    assert settings.department_settings.credential_for("water") == water_token
    with serve(create_sandbox_app(settings)) as url, httpx.Client(base_url=url, timeout=10) as http:
        water = {"Authorization": f"Bearer {water_token}"}
        own = http.get("/utility/v1/accounts/3100012345", headers=water)
        other = http.get("/population/v1/citizens", params={"id_number": ID_NUMBER}, headers=water)
        tv = http.get("/cable-tv/v1/accounts/3100012345", headers=water)
    assert own.status_code == 200
    assert other.status_code == 401 and PHONE not in other.text
    assert tv.status_code == 401


async def test_each_department_client_sends_its_own_credential(tmp_path: Path) -> None:
    water_token, key = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    environ = {"STATE_DIR": str(tmp_path), "SANDBOX_API_KEY": key, "WATER_API_TOKEN": water_token}
    with serve(create_sandbox_app(load_settings(environ))) as url:
        # The water company gets its own token; every other department the shared key.
        registry = Departments(
            load_settings({**environ, "SANDBOX_URL": url, "DEPARTMENT_API_KEY": key}).department_settings
        )
        unkeyed = Departments(load_settings({**environ, "SANDBOX_URL": url}).department_settings)
        try:
            water = await registry.billing("water").get_account("3100012345")
            citizen = await registry.population.find_by_id_number(ID_NUMBER)
            assert water.account_number == "3100012345" and citizen is not None
            # Without DEPARTMENT_API_KEY only the water company still answers.
            assert (await unkeyed.billing("water").get_account("3100012345")).account_number == "3100012345"
            with pytest.raises(DepartmentUnavailable):
                await unkeyed.population.find_by_id_number(ID_NUMBER)
        finally:
            await registry.aclose()
            await unkeyed.aclose()
