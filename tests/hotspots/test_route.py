"""GET /api/ops/hotspots through the real gateway app against a real sandbox: supervisors
only (401 without a login, 403 for an agent who is not one), tickets from the ticket API's
new time-span listing."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bot import agent_auth
from bot.app import create_app
from common.time_words import CITY_TIMEZONE
from tests.bot.offline import settings_without_rasa

PASSWORD = secrets.token_urlsafe(12)
SMOKE = ("海滨路烧烤店油烟太大了", "海滨路夜市烧烤油烟呛人，窗户都不敢开", "投诉海滨路露天烧烤油烟扰民")


@pytest.fixture
def gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_url: str) -> Iterator[TestClient]:
    monkeypatch.setenv("KB_PRELOAD", "0")
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    users = {name: f"{name}:{agent_auth.hash_password(PASSWORD)}" for name in ("wang", "li")}
    monkeypatch.setenv("AGENT_USERS", ",".join(users.values()))
    monkeypatch.setenv("SUPERVISOR_USERS", users["wang"])
    with TestClient(create_app(settings_without_rasa(tmp_path, sandbox_url))) as client:
        yield client


def _file(sandbox_url: str, text: str) -> str:
    response = httpx.post(
        f"{sandbox_url}/complaints/v1/tickets",
        json={"category": "environment", "description": text, "location": "海滨路", "anonymous": True},
        headers={"Idempotency-Key": secrets.token_hex(8)},
    )
    response.raise_for_status()
    return response.json()["ticket_id"]


def test_sandbox_lists_tickets_of_a_time_span(sandbox_url: str) -> None:
    filed = _file(sandbox_url, "海滨路烧烤店油烟太大了，熏得人头疼")
    now = datetime.now(CITY_TIMEZONE)
    listed = httpx.get(
        f"{sandbox_url}/complaints/v1/tickets", params={"since": (now - timedelta(hours=1)).isoformat()}
    )
    assert filed in [ticket["ticket_id"] for ticket in listed.json()]
    assert all(ticket["created_at"] >= "2026-11-02" for ticket in listed.json())  # not the demo's
    before = httpx.get(
        f"{sandbox_url}/complaints/v1/tickets",
        params={"since": "2026-10-01T00:00:00+08:00", "until": "2026-10-31T00:00:00+08:00"},
    )
    assert [ticket["ticket_id"] for ticket in before.json()] == ["12345-20261020-0042"]
    naive = httpx.get(f"{sandbox_url}/complaints/v1/tickets", params={"since": "2026-10-01T00:00:00"})
    assert naive.status_code == 422


def test_hotspots_for_a_supervisor_only(gateway: TestClient, sandbox_url: str) -> None:
    refused = gateway.get("/api/ops/hotspots")
    assert refused.status_code == 401 and refused.json()["error"] == "login_required"
    assert gateway.post("/api/agent/login", json={"user": "li", "password": PASSWORD}).status_code == 200
    forbidden = gateway.get("/api/ops/hotspots")
    assert forbidden.status_code == 403 and "督办" in forbidden.json()["message"]
    gateway.post("/api/agent/logout")
    gateway.cookies.clear()

    filed = {_file(sandbox_url, text) for text in SMOKE}
    assert gateway.post("/api/agent/login", json={"user": "wang", "password": PASSWORD}).status_code == 200
    response = gateway.get("/api/ops/hotspots", params={"days": 3})
    assert response.status_code == 200
    hotspots = response.json()["hotspots"]
    smoke = next(hotspot for hotspot in hotspots if filed <= set(hotspot["ticket_ids"]))
    assert smoke["category"] == "environment" and smoke["place"] == "海滨路" and smoke["count"] >= 3
    assert isinstance(smoke["heat"], float) and isinstance(smoke["id"], str) and smoke["title"]
    assert [hotspot["heat"] for hotspot in hotspots] == sorted((h["heat"] for h in hotspots), reverse=True)
    assert gateway.get("/api/ops/hotspots", params={"days": 0}).status_code == 422


def test_a_supervisor_need_not_be_an_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_url: str
) -> None:
    monkeypatch.setenv("KB_PRELOAD", "0")
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    monkeypatch.setenv("AGENT_USERS", f"li:{agent_auth.hash_password(PASSWORD)}")
    monkeypatch.setenv("SUPERVISOR_USERS", f"zhao:{agent_auth.hash_password(PASSWORD)}")
    with TestClient(create_app(settings_without_rasa(tmp_path, sandbox_url))) as gateway:
        assert gateway.post("/api/agent/login", json={"user": "zhao", "password": "wrong"}).status_code == 401
        assert (
            gateway.post("/api/agent/login", json={"user": "zhao", "password": PASSWORD}).status_code == 200
        )
        assert gateway.get("/api/ops/hotspots", params={"days": 3}).status_code == 200
