"""GET /api/kb/search through the real gateway app with the real retriever."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.routes import kb
from common.settings import Settings
from knowledge_base.loader import BackgroundRetriever
from knowledge_base.retriever import Retriever
from scripts.stack import free_port


def _gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loader: BackgroundRetriever) -> TestClient:
    monkeypatch.setenv("KB_PRELOAD", "0")  # the test hands the route its own retriever
    closed = f"http://127.0.0.1:{free_port()}"
    settings = Settings(rasa_url=closed, action_server_url=closed, sandbox_url=closed, state_dir=tmp_path)
    app = create_app(settings)
    app.dependency_overrides[kb.knowledge_base] = lambda: loader
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, retriever: Retriever) -> Iterator[TestClient]:
    with _gateway(tmp_path, monkeypatch, BackgroundRetriever(lambda: retriever)) as test_client:
        yield test_client


def test_search_returns_the_best_entries_first(client: TestClient) -> None:
    response = client.get("/api/kb/search", params={"q": "护照怎么办理", "k": 3})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 3
    assert results[0]["id"] == "passport.apply"
    assert set(results[0]) == {"id", "question", "answer", "score"}
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


@pytest.mark.parametrize(("k", "count"), [(None, 3), (50, 10), (0, 1), (-4, 1)])
def test_k_is_clamped(client: TestClient, k: int | None, count: int) -> None:
    params: dict[str, str | int] = {"q": "社保卡丢了"}
    if k is not None:
        params["k"] = k
    assert len(client.get("/api/kb/search", params=params).json()["results"]) == count


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "水费", "k": "three"}])
def test_a_bad_query_gets_a_polite_422(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/api/kb/search", params=params)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert "请" in response.json()["message"]


def test_a_missing_model_gives_a_polite_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> Retriever:
        raise ValueError("KB_MODEL=/nowhere: expected a local model directory")

    with _gateway(tmp_path, monkeypatch, BackgroundRetriever(broken)) as test_client:
        response = test_client.get("/api/kb/search", params={"q": "护照"})
        assert test_client.get("/").status_code == 200  # the rest of the gateway still works
    assert response.status_code == 503
    assert response.json() == {"error": "kb_unavailable", "message": kb.KB_UNAVAILABLE}


@pytest.mark.parametrize("preload", ["1", "0"])
def test_the_gateway_starts_loading_the_retriever_at_startup_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, retriever: Retriever, preload: str
) -> None:
    loader = BackgroundRetriever(lambda: retriever)
    monkeypatch.setattr(kb, "shared_retriever", lambda: loader)
    client = _gateway(tmp_path, monkeypatch, loader)
    monkeypatch.setenv("KB_PRELOAD", preload)
    with client:
        assert loader.started == (preload == "1")
        assert client.get("/api/kb/search", params={"q": "护照"}).status_code == 200
    assert loader.started
