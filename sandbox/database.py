"""Engine, sessions and the demo-data seed.

Seeding inserts only records that are missing, so a restart keeps what citizens did
(paid bills, bookings) and never rewrites the given demo records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, sessionmaker

from common.database import create_db_engine
from common.identity import normalise_plate
from sandbox.models import (
    Base,
    Citizen,
    Clinic,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintTicket,
    GovHall,
    Hospital,
    HousingFundAccount,
    SlotTemplate,
    SocialSecurityRecord,
    TrafficViolation,
    UtilityAccount,
    UtilityBill,
    Vehicle,
)

DEMO_DATA_PATH = Path(__file__).with_name("demo_city.json")
# Records added beside the given demo city (which stays byte-identical): one file per
# department or topic, each with the demo city's keys, merged into it at load time.
FIXTURES_DIR = Path(__file__).with_name("fixtures")

# Categories beyond the demo data, so every common complaint has a department to go to;
# "other" goes to the hotline office, which dispatches by hand as a real 12345 centre does.
EXTRA_COMPLAINT_CATEGORIES = (
    {
        "category": "market_supervision",
        "name": "市场监管",
        "department": "市市场监督管理局",
        "examples": ["食品安全", "过期食品", "虚假宣传", "缺斤短两", "无证经营"],
    },
    {
        "category": "public_security",
        "name": "公安治安",
        "department": "市公安局",
        "examples": ["夜间噪音扰民", "治安问题", "违章停车堵路", "广场舞噪音"],
    },
    {
        "category": "other",
        "name": "其他",
        "department": "市12345政务服务便民热线办公室",
        "examples": ["其他问题", "意见建议"],
    },
)


def load_demo_data(path: Path = DEMO_DATA_PATH, fixtures_dir: Path = FIXTURES_DIR) -> dict[str, Any]:
    demo = json.loads(path.read_text(encoding="utf-8"))
    for fixture in sorted(fixtures_dir.glob("*.json")):
        for key, records in json.loads(fixture.read_text(encoding="utf-8")).items():
            if isinstance(records, list):
                demo[key] = [*demo.get(key, []), *records]
    return demo


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
    _seed_appointments(session, demo)
    _seed_complaints(session, demo)
    session.commit()


def _seed_appointments(session: Session, demo: dict[str, Any]) -> None:
    fully_booked = {record["clinic_id"] for record in demo.get("fully_booked", [])}
    for hospital in demo.get("hospitals", []):
        fields = {key: value for key, value in hospital.items() if key != "clinics"}
        _add_missing(session, Hospital(**fields))
        for clinic in hospital["clinics"]:
            fully = clinic["clinic_id"] in fully_booked
            _add_missing(session, Clinic(hospital_id=hospital["hospital_id"], fully_booked=fully, **clinic))
    for hall in demo.get("gov_halls", []):
        _add_missing(session, GovHall(**hall))
    template = demo.get("slot_template")
    if template:
        morning, afternoon = template["morning"], template["afternoon"]
        _add_missing(
            session,
            SlotTemplate(
                name="hospital",
                weekdays=template["weekdays"],
                morning_start=morning[0],
                morning_end=morning[1],
                afternoon_start=afternoon[0],
                afternoon_end=afternoon[1],
                slot_minutes=template["slot_minutes"],
                capacity=template["capacity"],
                book_ahead_days=template["book_ahead_days"],
                same_day_cutoff_minutes=template["same_day_cutoff_minutes"],
            ),
        )


def _seed_complaints(session: Session, demo: dict[str, Any]) -> None:
    for category in [*demo.get("complaint_categories", []), *EXTRA_COMPLAINT_CATEGORIES]:
        _add_missing(session, ComplaintCategory(**category))
    for ticket in demo.get("complaint_tickets", []):
        fields = {key: value for key, value in ticket.items() if key != "history"}
        _add_missing(session, ComplaintTicket(**fields))
        for change in ticket.get("history", []):
            _add_missing(
                session,
                ComplaintEvent(ticket_id=ticket["ticket_id"], **change),
                ticket_id=ticket["ticket_id"],
                at=change["at"],
                status=change["status"],
            )


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
