"""The test stack runs as `make run` does: Rasa's HTTP API, the action server and the department
sandbox refuse callers without the run's secret, which the stack makes itself when the deployer
set none."""

from __future__ import annotations

import httpx
import pytest

from scripts.stack import Stack

pytestmark = pytest.mark.e2e


def test_rasa_refuses_its_api_without_the_token(stack: Stack) -> None:
    rasa = stack.env["RASA_URL"]
    assert httpx.get(f"{rasa}/status", timeout=10).status_code == 401
    assert httpx.post(f"{rasa}/model/parse", json={"text": "你好"}, timeout=10).status_code == 401
    assert httpx.get(f"{rasa}/conversations/anyone/tracker", timeout=10).status_code == 401
    token = {"token": stack.env["RASA_AUTH_TOKEN"]}
    assert httpx.get(f"{rasa}/status", params=token, timeout=10).status_code == 200


def test_the_action_server_refuses_calls_without_the_token(stack: Stack) -> None:
    actions = stack.env["ACTION_SERVER_URL"]
    call = {"next_action": "action_query_bill", "sender_id": "x", "tracker": {}, "domain": {}}
    assert httpx.post(f"{actions}/webhook", json=call, timeout=10).status_code == 401
    assert httpx.get(f"{actions}/health", timeout=10).status_code == 200


def test_the_sandbox_refuses_citizen_records_without_the_key(stack: Stack) -> None:
    sandbox = stack.env["SANDBOX_URL"]
    query = {"id_number": "371002198503122311"}
    refused = httpx.get(f"{sandbox}/population/v1/citizens", params=query, timeout=10)
    assert refused.status_code == 401 and "13805310001" not in refused.text
    assert httpx.get(f"{sandbox}/health", timeout=10).status_code == 200
    with stack.sandbox_client() as keyed:
        assert keyed.get("/population/v1/citizens", params=query).status_code == 200
