"""Client of the human resources and social security bureau (人社局)."""

from __future__ import annotations

from dataclasses import dataclass

from departments.base import DepartmentClient


@dataclass(frozen=True)
class SocialSecuritySummary:
    insured_since: str
    contribution_months: int
    pension_base: float
    medical_account_balance: float
    status: str
    employer: str | None
    last_paid_period: str | None
    monthly_pension: float | None
    """Only for retirees."""


class HrssClient(DepartmentClient):
    department_name = "人社局"

    async def social_security(self, citizen_id: str) -> SocialSecuritySummary:
        record = await self._get(f"/hrss/v1/insured-persons/{citizen_id}")
        return SocialSecuritySummary(
            insured_since=record["insured_since"],
            contribution_months=int(record["contribution_months"]),
            pension_base=float(record["pension_base"]),
            medical_account_balance=float(record["medical_account_balance"]),
            status=record["status"],
            employer=record.get("employer"),
            last_paid_period=record.get("last_paid_period"),
            monthly_pension=record.get("monthly_pension"),
        )
