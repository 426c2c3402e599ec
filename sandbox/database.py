"""Engine, sessions and the demo-data seed.

Seeding inserts only records that are missing, so a restart keeps what citizens did
(paid bills, bookings) and never rewrites the given demo records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from common.identity import normalise_plate
from sandbox.models import (
    Base,
    Citizen,
    HousingFundAccount,
    SocialSecurityRecord,
    TrafficViolation,
    UtilityAccount,
    UtilityBill,
    Vehicle,
)

DEMO_DATA_PATH = Path(__file__).with_name("demo_city.json")


def create_db_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10)


def load_demo_data(path: Path = DEMO_DATA_PATH) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def seed(session: Session, demo: dict[str, Any]) -> None:
    for person in demo["citizens"]:
        _add_missing(session, Citizen(**person))
    for account in demo["utility_accounts"]:
        fields = {key: value for key, value in account.items() if key not in {"bills", "usage"}}
        _add_missing(session, UtilityAccount(**fields))
        usage = account.get("usage") or []
        for index, bill in enumerate(account["bills"]):
            usage_of_month = usage[index] if index < len(usage) else None
            _add_missing(
                session,
                UtilityBill(account_number=account["account_number"], usage=usage_of_month, **bill),
                account_number=account["account_number"],
                period=bill["period"],
            )
    for record in demo["social_security"]:
        _add_missing(session, SocialSecurityRecord(**record))
    for record in demo["housing_fund"]:
        _add_missing(session, HousingFundAccount(**record))
    for vehicle in demo["traffic_fines"]:
        plate = normalise_plate(vehicle["plate_number"]) or vehicle["plate_number"]
        _add_missing(session, Vehicle(plate_number=plate, holder=vehicle["holder"]))
        for violation in vehicle["violations"]:
            _add_missing(session, TrafficViolation(plate_number=plate, **violation))
    session.commit()


def _add_missing(session: Session, record: Base, **natural_key: Any) -> None:
    """Adds `record` unless a row with its primary key (or the given natural key) exists."""
    model = type(record)
    if natural_key:
        exists = session.scalar(select(model).filter_by(**natural_key)) is not None
    else:
        exists = session.get(model, inspect(model).primary_key_from_instance(record)) is not None
    if not exists:
        session.add(record)
        session.flush()


class Database:
    """Owns the engine and hands out sessions to request handlers."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_db_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_and_seed(self, demo: dict[str, Any] | None = None) -> None:
        Base.metadata.create_all(self.engine)
        with self._sessions() as session:
            seed(session, demo or load_demo_data())

    def reset(self) -> None:
        Base.metadata.drop_all(self.engine)
        self.create_and_seed()

    def session(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    @property
    def kind(self) -> str:
        return self.engine.dialect.name
