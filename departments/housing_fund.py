"""Client of the housing provident fund centre (公积金中心)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from departments.base import DepartmentClient, RecordNotFound


@dataclass(frozen=True)
class HousingFundAccount:
    account_number: str
    balance: float
    monthly_deposit: float
    status: str
    last_deposit_period: str | None
    loan_outstanding: float


def _account(record: dict[str, Any]) -> HousingFundAccount:
    return HousingFundAccount(
        account_number=record["account_number"],
        balance=float(record["balance"]),
        monthly_deposit=float(record["monthly_deposit"]),
        status=record["status"],
        last_deposit_period=record.get("last_deposit_period"),
        loan_outstanding=float(record.get("loan_outstanding") or 0),
    )


class HousingFundClient(DepartmentClient):
    department_name = "公积金中心"

    async def get_account(self, account_number: str) -> HousingFundAccount:
        return _account(await self._get(f"/hpf/v1/accounts/{account_number}"))

    async def account_for_citizen_or_none(self, citizen_id: str) -> HousingFundAccount | None:
        records = await self._get("/hpf/v1/accounts", params={"citizen_id": citizen_id})
        return _account(records[0]) if records else None

    async def account_for_citizen(self, citizen_id: str) -> HousingFundAccount:
        account = await self.account_for_citizen_or_none(citizen_id)
        if account is None:
            raise RecordNotFound(self.department_name, "no fund account")
        return account
