"""Social insurance records, shaped like a human resources and social security bureau's
(人社局) personal query API: one summary per insured person."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.models import Citizen, SocialSecurityRecord
from sandbox.routers.dependencies import db_session

router = APIRouter(prefix="/hrss/v1", tags=["hrss"])
DbSession = Annotated[Session, Depends(db_session)]


class SummaryOut(BaseModel):
    """A retiree has `monthly_pension` and no employer or last paid period."""

    model_config = ConfigDict(from_attributes=True)

    holder: str
    insured_since: str
    contribution_months: int
    pension_base: float
    medical_account_balance: float
    status: str
    employer: str | None
    last_paid_period: str | None
    monthly_pension: float | None


@router.get("/insured-persons/{citizen_id}", response_model=SummaryOut)
def summary(citizen_id: str, db: DbSession) -> SocialSecurityRecord:
    record = db.get(SocialSecurityRecord, citizen_id)
    if record is None:
        raise HTTPException(status_code=404, detail="not insured here")
    return record


@router.get("/insured-persons", response_model=list[SummaryOut])
def find_by_id_number(
    db: DbSession, id_number: Annotated[str, Query(min_length=15, max_length=18)]
) -> list[SocialSecurityRecord]:
    """The identifier citizens know by heart; a list, empty when nobody is insured under it."""
    query = (
        select(SocialSecurityRecord)
        .join(Citizen, Citizen.citizen_id == SocialSecurityRecord.holder)
        .where(Citizen.id_number == id_number.upper())
    )
    return list(db.scalars(query))
