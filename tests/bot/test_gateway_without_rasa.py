"""The gateway with Rasa really down (nothing listens on its port): citizens get a polite answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.brain import BUSY_MESSAGE
from tests.bot.offline import settings_without_rasa


def _gateway(tmp_path: Path) -> TestClient:
    return TestClient(create_app(settings_without_rasa(tmp_path)), raise_server_exceptions=False)


def test_chat_when_rasa_is_down(tmp_path: Path) -> None:
    with _gateway(tmp_path) as client:
        response = client.post("/api/chat", json={"sender": "a", "message": "查水费"})
    assert response.status_code == 200
    assert response.json()["messages"] == [
        {"text": BUSY_MESSAGE, "custom": {"error": "assistant_unavailable"}}
    ]


def test_health_reports_each_dependency_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPS_TOKEN", "ops-test")
    with _gateway(tmp_path) as client:
        public = client.get("/health")
        response = client.get("/health", headers={"Authorization": "Bearer ops-test"})
    assert public.status_code == 503 and public.json() == {"status": "degraded"}
    assert response.status_code == 503
    dependencies = response.json()["dependencies"]
    assert dependencies["rasa"]["status"] == "down"
    assert dependencies["department_sandbox"]["status"] == "down"
    assert dependencies["store"] == {"status": "up", "kind": "memory"}


def test_parse_when_rasa_is_down(tmp_path: Path) -> None:
    with _gateway(tmp_path) as client:
        body = client.post("/api/nlu/parse", json={"text": "你好"}).json()
    assert body["error"] == "nlu_unavailable"
    assert body["intent"]["name"] is None


def test_malformed_json_gets_a_chinese_message_not_a_trace(tmp_path: Path) -> None:
    with _gateway(tmp_path) as client:
        response = client.post(
            "/api/chat", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert response.status_code == 422
    assert response.json() == {"error": "invalid_request", "message": "请求格式不正确，请检查后重试。"}
