"""The gateway's internal endpoints, its pages' headers, the agents' login under a burst of
guesses, logout and the proxy headers, over real HTTP (the `gateway` fixture serves the whole
app with uvicorn)."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request

from bot import __main__ as gateway_main
from bot.agent_auth import COOKIE_NAME, AgentAuth, hash_password
from bot.routes import ops
from common.settings import Settings
from scripts.stack import free_port
from tests.security.conftest import GatewayFactory

OPS_TOKEN = secrets.token_urlsafe(16)
AGENT, PASSWORD = "agent-burst", secrets.token_urlsafe(12)


def test_ops_endpoints_are_off_without_ops_token(gateway: GatewayFactory) -> None:
    with gateway(setup=ops.secure, OPS_TOKEN="") as gw, httpx.Client(base_url=gw.url) as http:
        for path in ("/metrics", "/docs", "/openapi.json", "/redoc"):
            response = http.get(path, params={"token": "anything"})
            assert response.status_code == 404, path
            assert response.json()["error"] == "not_found"
        health = http.get("/health")
    # Rasa and the action server are down in this fixture: degraded, and nothing more said.
    assert health.status_code == 503
    assert health.json() == {"status": "degraded"}


def test_ops_endpoints_need_the_token(gateway: GatewayFactory) -> None:
    with gateway(setup=ops.secure, OPS_TOKEN=OPS_TOKEN) as gw, httpx.Client(base_url=gw.url) as http:
        refused = [http.get(path) for path in ("/metrics", "/docs", "/openapi.json")]
        wrong = http.get("/metrics", headers={"Authorization": "Bearer not-it"})
        by_header = http.get("/metrics", headers={"Authorization": f"Bearer {OPS_TOKEN}"})
        by_query = http.get("/metrics", params={"token": OPS_TOKEN})
        docs = http.get("/docs", params={"token": OPS_TOKEN})
        schema = http.get("/openapi.json", headers={"Authorization": f"Bearer {OPS_TOKEN}"})
        public = http.get("/health")
        detailed = http.get("/health", headers={"Authorization": f"Bearer {OPS_TOKEN}"})
        live = http.get("/health/live")
    for response in [*refused, wrong]:
        assert response.status_code == 401, response.request.url
        assert response.json()["error"] == "unauthorized"
        assert OPS_TOKEN not in response.text
    assert by_header.status_code == 200 and "gateway_http_requests_total" in by_header.text
    assert by_query.status_code == 200
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert schema.status_code == 200 and "/api/chat" in schema.json()["paths"]
    assert set(public.json()) == {"status"} and public.json()["status"] == "degraded"
    dependencies = detailed.json()["dependencies"]
    assert set(dependencies) == {"rasa", "action_server", "department_sandbox", "store", "database"}
    assert dependencies["rasa"]["status"] == "down"
    assert dependencies["store"]["status"] == "up" and dependencies["database"]["status"] == "up"
    assert live.status_code == 200 and live.json() == {"status": "up"}


def test_pages_cannot_be_framed_and_load_only_their_own_code(gateway: GatewayFactory) -> None:
    with gateway(setup=ops.secure) as gw, httpx.Client(base_url=gw.url) as http:
        responses = [http.get(path) for path in ("/", "/agent", "/static/chat.js", "/api/no-such")]
    for response in responses:
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_burst_of_wrong_passwords_gets_only_the_limit_checked(
    gateway: GatewayFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    original = AgentAuth.check_password

    def counting(self: AgentAuth, name: str, password: str) -> bool:
        checked.append(name)
        time.sleep(0.05)  # scrypt's time, so the requests overlap
        return original(self, name, password)

    monkeypatch.setattr(AgentAuth, "check_password", counting)
    with gateway(AGENT_USERS=f"{AGENT}:{hash_password(PASSWORD)}") as gw:
        async with httpx.AsyncClient(base_url=gw.url, timeout=30) as http:
            attempts = [
                http.post("/api/agent/login", json={"user": AGENT, "password": f"wrong-{n}"})
                for n in range(30)
            ]
            responses = await asyncio.gather(*attempts)
            right = await http.post("/api/agent/login", json={"user": AGENT, "password": PASSWORD})
    statuses = sorted(response.status_code for response in responses)
    assert len(checked) == 5, f"{len(checked)} passwords checked (limit 5)"
    assert statuses.count(401) == len(checked)
    assert statuses.count(429) == 30 - len(checked)
    assert all(
        response.json()["error"] == "login_locked" for response in responses if response.status_code == 429
    )
    # Locked out now: even the right password is not checked.
    assert right.status_code == 429 and len(checked) == 5


def test_logout_revokes_the_session_on_the_server(gateway: GatewayFactory) -> None:
    with (
        gateway(AGENT_USERS=f"{AGENT}:{hash_password(PASSWORD)}") as gw,
        httpx.Client(base_url=gw.url) as http,
    ):
        assert http.post("/api/agent/login", json={"user": AGENT, "password": PASSWORD}).status_code == 200
        stolen = http.cookies[COOKIE_NAME]
        assert http.get("/api/agent/me").json() == {"user": AGENT}
        # A second login's session is its own: logging the first out leaves it alone.
        with httpx.Client(base_url=gw.url) as other:
            assert (
                other.post("/api/agent/login", json={"user": AGENT, "password": PASSWORD}).status_code == 200
            )
            assert other.cookies[COOKIE_NAME] != stolen
            assert http.post("/api/agent/logout").status_code == 200
            assert other.get("/api/agent/me").status_code == 200
        with httpx.Client(base_url=gw.url, cookies={COOKIE_NAME: stolen}) as replay:
            me = replay.get("/api/agent/me")
            queue = replay.get("/api/agent/handoffs")
    assert me.status_code == 401 and me.json()["error"] == "login_required"
    assert queue.status_code == 401


@contextmanager
def _served_with(app: FastAPI, **options: object) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _echo_client() -> FastAPI:
    app = FastAPI()

    @app.get("/who")
    async def who(request: Request) -> dict[str, str]:
        return {"client": request.client.host if request.client else ""}

    return app


def test_x_forwarded_for_is_believed_only_from_configured_proxies() -> None:
    assert gateway_main.proxy_options(Settings()) == {"proxy_headers": False}
    trusted = gateway_main.proxy_options(Settings(forwarded_allow_ips="10.0.0.5, 127.0.0.1"))
    assert trusted == {"proxy_headers": True, "forwarded_allow_ips": ["10.0.0.5", "127.0.0.1"]}
    spoof = {"X-Forwarded-For": "203.0.113.9"}
    with _served_with(_echo_client(), **gateway_main.proxy_options(Settings())) as url:
        assert httpx.get(f"{url}/who", headers=spoof).json() == {"client": "127.0.0.1"}
    with _served_with(_echo_client(), **trusted) as url:
        assert httpx.get(f"{url}/who", headers=spoof).json() == {"client": "203.0.113.9"}
