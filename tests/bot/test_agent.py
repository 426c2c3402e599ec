"""The agent console through the real gateway app: real knowledge base, real database, Rasa down."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot import agent_auth
from bot.app import create_app
from bot.routes import agent, kb
from knowledge_base.loader import BackgroundRetriever
from knowledge_base.retriever import Retriever
from tests.bot.offline import settings_without_rasa

PASSWORD = secrets.token_urlsafe(12)


@pytest.fixture(scope="module")
def loader() -> BackgroundRetriever:
    """The shipped content and encoder, built once for this module."""
    built = BackgroundRetriever(Retriever.from_config)
    built.get(timeout_seconds=600)
    return built


def _gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loader: BackgroundRetriever) -> TestClient:
    monkeypatch.setenv("KB_PRELOAD", "0")  # the test hands the routes its own retriever
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    app = create_app(settings_without_rasa(tmp_path))
    app.dependency_overrides[kb.knowledge_base] = lambda: loader
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loader: BackgroundRetriever
) -> Iterator[TestClient]:
    monkeypatch.setenv("AGENT_USERS", f"zhang:{agent_auth.hash_password(PASSWORD)}")
    with _gateway(tmp_path, monkeypatch, loader) as test_client:
        yield test_client


def _login(client: TestClient) -> None:
    response = client.post("/api/agent/login", json={"user": "zhang", "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/agent/suggest", {"text": "身份证丢了怎么补办"}),
        ("POST", "/api/agent/feedback", {"text": "x", "suggestion_id": "y", "helpful": False}),
        ("GET", "/api/agent/feedback/bad", None),
        ("GET", "/api/agent/me", None),
    ],
)
def test_every_agent_route_needs_a_login(
    client: TestClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.json() == {"error": "login_required", "message": agent.LOGIN_REQUIRED}


def test_a_forged_or_foreign_cookie_is_refused(client: TestClient) -> None:
    other = agent_auth.AgentAuth(users={"zhang": (b"", b"")}, secret=b"someone else's key")
    client.cookies.set(agent_auth.COOKIE_NAME, other.issue("zhang"))
    assert client.get("/api/agent/me").status_code == 401


@pytest.mark.parametrize(("user", "password"), [("zhang", "wrong-password"), ("li", PASSWORD)])
def test_a_wrong_password_or_unknown_agent_is_refused(client: TestClient, user: str, password: str) -> None:
    response = client.post("/api/agent/login", json={"user": user, "password": password})
    assert response.status_code == 401
    assert response.json()["message"] == agent.LOGIN_FAILED
    assert "set-cookie" not in response.headers
    assert client.get("/api/agent/me").status_code == 401


def test_without_agents_the_console_is_not_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loader: BackgroundRetriever
) -> None:
    monkeypatch.setenv("AGENT_USERS", "")
    with _gateway(tmp_path, monkeypatch, loader) as test_client:
        login = test_client.post("/api/agent/login", json={"user": "zhang", "password": PASSWORD})
        suggest = test_client.post("/api/agent/suggest", json={"text": "身份证丢了怎么补办"})
        page = test_client.get("/agent")
    for response in (login, suggest):
        assert response.status_code == 503
        assert response.json() == {"error": "agent_not_configured", "message": agent.NOT_CONFIGURED}
    assert page.status_code == 200


def test_login_then_logout(client: TestClient) -> None:
    _login(client)
    assert client.get("/api/agent/me").json() == {"user": "zhang"}
    client.post("/api/agent/logout")
    assert client.get("/api/agent/me").status_code == 401


def test_suggest_finds_the_guide_with_rasa_down(client: TestClient) -> None:
    _login(client)
    response = client.post("/api/agent/suggest", json={"text": "身份证丢了怎么补办"})
    assert response.status_code == 200
    body = response.json()
    assert body["intent"] == {"name": None, "confidence": 0}
    assert body["entities"] == []
    suggestions = body["suggestions"]
    assert len(suggestions) == 3
    best = suggestions[0]
    assert best["id"] == "id_card.replace_lost"
    assert best["kind"] == "guide"
    assert best["title"] and best["answer"]
    assert set(best["parts"]) == set(agent.GUIDE_PARTS)
    assert "需要准备" in best["parts"]["materials"]
    assert [s["score"] for s in suggestions] == sorted((s["score"] for s in suggestions), reverse=True)


def test_feedback_is_stored_and_wrong_ones_listed_newest_first(client: TestClient) -> None:
    _login(client)
    verdicts = [
        ("停车位被占了找谁", "property.transfer", False),
        ("身份证丢了怎么补办", "id_card.replace_lost", True),
        ("我的电话13812345678，路灯坏了", "utility.outage_notice", False),
    ]
    for text, suggestion_id, helpful in verdicts:
        response = client.post(
            "/api/agent/feedback", json={"text": text, "suggestion_id": suggestion_id, "helpful": helpful}
        )
        assert response.status_code == 200
    items = client.get("/api/agent/feedback/bad").json()["items"]
    assert [item["suggestion_id"] for item in items] == ["utility.outage_notice", "property.transfer"]
    assert "13812345678" not in items[0]["text"]  # identifiers are masked before storage
    assert items[1] == {
        "text": "停车位被占了找谁",
        "suggestion_id": "property.transfer",
        "agent": "zhang",
        "created_at": items[1]["created_at"],
    }
    assert (Path(client.app.state.settings.state_dir) / "assistant.db").exists()


def test_the_hash_command_prints_a_working_agent_users_item(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    agent_auth.main(["hash", "wang"])
    item = capsys.readouterr().out.strip()
    auth = agent_auth.AgentAuth(users=agent_auth.parse_users(item), secret=b"k")
    assert auth.check_password("wang", PASSWORD)
    assert not auth.check_password("wang", PASSWORD + "x")
    assert not auth.check_password("li", PASSWORD)


def test_an_expired_session_is_refused() -> None:
    auth = agent_auth.AgentAuth(users={"wang": (b"", b"")}, secret=b"k", session_seconds=60)
    token = auth.issue("wang", now=1000)
    assert auth.verify(token, now=1059) == "wang"
    assert auth.verify(token, now=1061) is None
    assert auth.verify(token.replace(".", ".0"), now=1000) is None


@pytest.mark.parametrize(
    ("intent", "action_id"),
    [
        ("file_complaint", "open_complaint"),
        ("query_bill", "lookup_bill"),
        ("book_appointment", "lookup_booking"),
        ("list_appointments", "lookup_booking"),
    ],
)
def test_intents_that_need_a_back_office_step_suggest_it(intent: str, action_id: str) -> None:
    text = "楼下饭店油烟太大"
    action = agent.action_suggestion({"name": intent, "confidence": 0.91234}, text)
    assert action is not None
    assert action["kind"] == "action"
    assert action["id"] == action_id
    assert action["answer"] == text
    assert action["score"] == 0.9123
    assert action["title"]


@pytest.mark.parametrize("intent", [{"name": "greet", "confidence": 0.99}, {"name": None, "confidence": 0}])
def test_other_intents_suggest_no_action(intent: dict[str, object]) -> None:
    assert agent.action_suggestion(intent, "你好") is None


@pytest.mark.parametrize("value", ["zhang", "zhang:nothex:00", "a:b:c:d"])
def test_a_malformed_agent_users_value_fails_without_echoing_it(value: str) -> None:
    with pytest.raises(ValueError, match="name:salt_hex:hash_hex") as raised:
        agent_auth.parse_users(value)
    assert value not in str(raised.value)
