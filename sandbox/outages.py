"""Planned and emergency outages of the utility platform (停水、停电、停气), announced to the
assistant as `outage.announced` with the accounts they cut off.

`POST /utility/v1/outages` is the company's dispatch desk (and the tests'): the streets named
in `streets` select the affected accounts of that utility by address, as the company's own
network map would; the event is published, signed, like every other department event. An
outage id is announced once: the same id again is 409, so a repeated announcement never
reaches a citizen twice.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sandbox.events import publish
from sandbox.models import Base, UtilityAccount
from sandbox.routers.dependencies import db_session
from sandbox.routers.records import timestamp

router = APIRouter()
DbSession = Annotated[Session, Depends(db_session)]
MAX_STREETS = 20


class UtilityOutage(Base):
    __tablename__ = "utility_outages"

    outage_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    bill_type: Mapped[str] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(128))
    announced_at: Mapped[str] = mapped_column(String(25))


class OutageIn(BaseModel):
    outage_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,32}$")
    bill_type: Literal["water", "electricity", "gas"]
    area: str = Field(min_length=1, max_length=128, description="as citizens read it: 环翠区文化中路")
    streets: list[str] = Field(min_length=1, max_length=MAX_STREETS)
    starts: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
    ends: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
    reason: str = Field(min_length=1, max_length=64)
    advice: str = Field(default="", max_length=64)


class OutageOut(BaseModel):
    outage_id: str
    accounts: int


@router.post("/outages", status_code=201, response_model=OutageOut)
def announce_outage(outage: OutageIn, db: DbSession) -> OutageOut:
    if db.get(UtilityOutage, outage.outage_id) is not None:
        raise HTTPException(status_code=409, detail="outage already announced")
    streets = [street.strip() for street in outage.streets if street.strip()]
    accounts = [
        account
        for account in db.scalars(select(UtilityAccount).where(UtilityAccount.bill_type == outage.bill_type))
        if any(street in account.address for street in streets)
    ]
    db.add(
        UtilityOutage(
            outage_id=outage.outage_id, bill_type=outage.bill_type, area=outage.area, announced_at=timestamp()
        )
    )
    data = outage.model_dump(exclude={"streets"})
    data["accounts"] = [{"account_number": row.account_number, "holder": row.holder} for row in accounts]
    publish(db, "outage.announced", data)
    db.commit()
    return OutageOut(outage_id=outage.outage_id, accounts=len(accounts))
