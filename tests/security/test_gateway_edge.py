"""The gateway's edge over real HTTP: every error is `{"error", "message"}` with a Chinese
message, bodies are capped however they are sent, control characters never get through, ids
out of range are no 500, and a 500 neither kills the keep-alive connection nor goes uncounted."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from bot.agent_auth import hash_password
from bot.app import DEFAULT_MAX_BODY_BYTES
from integrations.wechat.protocol import sign
from tests.security.conftest import GatewayFactory
from tests.wechat.conftest import Account

CHINESE = re.compile(r"[\u4e00-\u9fff]")
AGENT, PASSWORD = "agent-sec", secrets.token_urlsafe(12)
OPS_TOKEN = secrets.token_urlsafe(12)  # /metrics is behind the operators' token


def _is_chinese_error(response: httpx.Response, status_code: int, error: str | None = None) -> bool:
    body = response.json()
    return (
        response.status_code == status_code
        and set(body) == {"error", "message"}
        and isinstance(body["error"], str)
        and (error is None or body["error"] == error)
        and bool(CHINESE.search(body["message"]))
    )


def _counted(metrics_text: str, route: str, method: str, status: int) -> float:
    """The gateway's request count for one label set, read from the /metrics text."""
    wanted = {"route": route, "method": method, "status": str(status)}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == "gateway_http_requests_total" and sample.labels == wanted:
                return sample.value
    return 0.0


def test_unknown_routes_and_wrong_methods_get_the_json_shape(gateway: GatewayFactory) -> None:
    with gateway() as gw, httpx.Client(base_url=gw.url) as http:
        unknown = http.get("/api/no-such-thing")
        static = http.get("/static/no-such-file.js")
        wrong_method = http.get("/api/chat")
        wrong_on_wechat_free_route = http.delete("/health")
    assert _is_chinese_error(unknown, 404, "not_found"), unknown.text
    assert _is_chinese_error(static, 404, "not_found"), static.text
    assert _is_chinese_error(wrong_method, 405, "method_not_allowed"), wrong_method.text
    assert wrong_method.headers["allow"] == "POST"
    assert _is_chinese_error(wrong_on_wechat_free_route, 405)
    for response in (unknown, static, wrong_method):
        assert "detail" not in response.text


def test_control_characters_never_reach_the_brain(gateway: GatewayFactory) -> None:
    with gateway() as gw, httpx.Client(base_url=gw.url) as http:
        escaped = http.post("/api/chat", json={"sender": "s1", "message": "查水费\u0000\u0007\u009b\n谢谢"})
        raw_nul = http.post(
            "/api/chat",
            content='{"sender": "s1", "message": "查\x00水费"}'.encode(),
            headers={"content-type": "application/json"},
        )
        nul_sender = http.post("/api/chat", json={"sender": "s\u00001", "message": "你好"})
        only_controls = http.post("/api/nlu/parse", json={"text": "\u0000\u0001"})
    assert escaped.status_code == 200
    assert gw.brain.calls == [("web:s1", "查水费\n谢谢")]
    for refused in (raw_nul, nul_sender, only_controls):
        assert _is_chinese_error(refused, 422, "invalid_request"), refused.text


def test_five_nul_messages_are_no_500(gateway: GatewayFactory) -> None:
    """The issue's report: five messages with a NUL byte answered 500."""
    with gateway() as gw, httpx.Client(base_url=gw.url) as http:
        statuses = {
            http.post("/api/chat", json={"sender": "s2", "message": f"投诉\u0000{n}"}).status_code
            for n in range(5)
        }
    assert statuses == {200}
    assert all("\x00" not in text for _, text in gw.brain.calls)


def test_oversized_bodies_are_refused_by_length_and_while_streaming(gateway: GatewayFactory) -> None:
    big = b'{"sender": "s", "message": "' + b"a" * (DEFAULT_MAX_BODY_BYTES + 1) + b'"}'

    def chunked() -> Iterator[bytes]:  # no Content-Length: only counting the bytes can stop it
        for _ in range(DEFAULT_MAX_BODY_BYTES // 1024 + 8):
            yield b"a" * 1024

    with (
        gateway(OPS_TOKEN=OPS_TOKEN) as gw,
        httpx.Client(base_url=gw.url, params={"token": OPS_TOKEN}) as http,
    ):
        before = _counted(http.get("/metrics").text, "/api/chat", "POST", 413)
        declared = http.post("/api/chat", content=big, headers={"content-type": "application/json"})
        streamed = http.post("/api/chat", content=chunked(), headers={"content-type": "application/json"})
        metrics = http.get("/metrics").text
        still_fine = http.post("/api/chat", json={"sender": "s", "message": "你好"})
    assert "content-length" not in streamed.request.headers
    for refused in (declared, streamed):
        assert _is_chinese_error(refused, 413, "payload_too_large"), refused.text
    assert _counted(metrics, "/api/chat", "POST", 413) - before == 2
    assert still_fine.status_code == 200
    assert gw.brain.calls == [("web:s", "你好")]


def test_wechat_keeps_its_own_plain_cap(gateway: GatewayFactory, account: Account) -> None:
    """WeChat's servers get WeChat's plain answer, whatever the gateway's JSON cap says."""
    stamp, nonce = str(int(time.time())), "9081726354"
    signed = {"signature": sign(account.token, stamp, nonce), "timestamp": stamp, "nonce": nonce}
    with gateway(WECHAT_MAX_BODY_BYTES="4096") as gw, httpx.Client(base_url=gw.url) as http:
        refused = http.post("/wechat", params=signed, content=b"<xml>" + b"a" * 5000 + b"</xml>")
    assert (refused.status_code, refused.text) == (413, "payload too large")


@pytest.fixture
def agent_users() -> str:
    return f"{AGENT}:{hash_password(PASSWORD)}"


def test_handoff_ids_out_of_range_are_404_or_422_never_500(gateway: GatewayFactory, agent_users: str) -> None:
    huge = 2**63
    with gateway(AGENT_USERS=agent_users) as gw, httpx.Client(base_url=gw.url) as http:
        stranger = http.get(f"/api/agent/handoffs/{huge}")
        login = http.post("/api/agent/login", json={"user": AGENT, "password": PASSWORD})
        assert login.status_code == 200, login.text
        answers = [
            http.get(f"/api/agent/handoffs/{huge}"),
            http.get(f"/api/agent/handoffs/{2**31}"),
            http.get("/api/agent/handoffs/0"),
            http.get("/api/agent/handoffs/-5"),
            http.post(f"/api/agent/handoffs/{huge}/claim"),
            http.post(f"/api/agent/handoffs/{huge}/reply", json={"text": "您好"}),
            http.post(f"/api/agent/handoffs/{huge}/close"),
            http.get(f"/api/agent/handoffs/{2**31 - 1}"),
        ]
        cursor = http.get(f"/api/agent/handoffs/1?after={huge}")
        updates = http.get("/api/chat/updates", params={"sender": "s", "after": huge})
    assert _is_chinese_error(stranger, 401)
    for answer in answers:
        assert _is_chinese_error(answer, 404, "not_found"), (answer.request.url, answer.text)
    assert _is_chinese_error(cursor, 422) and _is_chinese_error(updates, 422)


def _add_failing_route(app: FastAPI) -> None:
    async def fail() -> None:
        raise RuntimeError("forced failure for the test")

    app.add_api_route("/api/_forced_failure", fail, methods=["GET"])


def test_a_500_keeps_the_connection_and_is_counted(gateway: GatewayFactory) -> None:
    with (
        gateway(setup=_add_failing_route, OPS_TOKEN=OPS_TOKEN) as gw,
        httpx.Client(base_url=gw.url, params={"token": OPS_TOKEN}) as http,
    ):
        before = _counted(http.get("/metrics").text, "/api/_forced_failure", "GET", 500)
        failed = http.get("/api/_forced_failure")
        after = http.post("/api/chat", json={"sender": "s3", "message": "你好"})
        failed_again = http.get("/api/_forced_failure")
        metrics = http.get("/metrics")
    assert _is_chinese_error(failed, 500, "internal_error") and "Traceback" not in failed.text
    assert after.status_code == 200 and failed_again.status_code == 500
    assert len(gw.recorder.clients) == 5 and len(set(gw.recorder.clients)) == 1  # one connection
    assert _counted(metrics.text, "/api/_forced_failure", "GET", 500) - before == 2
