"""The sandbox against SQLite and against the real PostgreSQL server, each on a fresh database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from common.settings import Settings
from sandbox.app import create_app

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
