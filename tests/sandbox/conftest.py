"""The sandbox against SQLite and against the real PostgreSQL server, each on a fresh database."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from common.settings import Settings
from sandbox.app import create_app
from tests.servers import serve

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A throwaway database on the machine's PostgreSQL; skipped where none runs."""
    name = f"sandbox_test_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def sandbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    database_url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else ""
    settings = Settings(database_url=database_url, state_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(params=["sqlite", "postgresql"])
def served_sandbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The sandbox on a real port, so requests really run at the same time."""
    database_url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else ""
    with serve(create_app(Settings(database_url=database_url, state_dir=tmp_path))) as url:
        yield url


def post_all_at_once(
    url: str, path: str, bodies: list[dict[str, Any]], keys: list[str]
) -> list[httpx.Response]:
    """POSTs every body with its Idempotency-Key from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(bodies))
    responses: list[httpx.Response | None] = [None] * len(bodies)

    def send(index: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            barrier.wait()
            responses[index] = client.post(path, json=bodies[index], headers={"Idempotency-Key": keys[index]})

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [response for response in responses if response is not None]
