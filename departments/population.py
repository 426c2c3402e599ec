"""Client of the population bureau: who is this channel user, and what do they hold?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from departments.base import DepartmentClient, RecordNotFound


@dataclass(frozen=True)
class Citizen:
    citizen_id: str
    name: str
    phone: str
    id_number: str
    district: str


@dataclass(frozen=True)
class LinkedAccount:
    account_number: str
    bill_type: str
    provider: str


def _citizen(record: dict[str, Any]) -> Citizen:
    return Citizen(
        citizen_id=record["citizen_id"],
        name=record["name"],
        phone=record["phone"],
        id_number=record["id_number"],
        district=record["district"],
    )


class PopulationClient(DepartmentClient):
    department_name = "市民信息系统"

    async def find_by_channel_user(self, sender_id: str) -> Citizen | None:
        """Channel ids look like "wechat:<openid>" / "alipay:<user id>"; web chat users are anonymous."""
        channel, _, user_id = sender_id.partition(":")
        field = {"wechat": "wechat_openid", "alipay": "alipay_user_id"}.get(channel)
        if field is None or not user_id:
            return None
        return await self._find({field: user_id})

    async def find_by_id_number(self, id_number: str) -> Citizen | None:
        return await self._find({"id_number": id_number})

    async def find_by_phone(self, phone: str) -> Citizen | None:
        return await self._find({"phone": phone})

    async def find_by_citizen_id(self, citizen_id: str) -> Citizen | None:
        try:
            return _citizen(await self._get(f"/population/v1/citizens/{citizen_id}"))
        except RecordNotFound:
            return None

    async def utility_accounts(self, citizen_id: str) -> list[LinkedAccount]:
        records = await self._get(f"/population/v1/citizens/{citizen_id}/utility-accounts")
        return [
            LinkedAccount(
                account_number=record["account_number"],
                bill_type=record["bill_type"],
                provider=record["provider"],
            )
            for record in records
        ]

    async def vehicle_plates(self, citizen_id: str) -> list[str]:
        records = await self._get(f"/population/v1/citizens/{citizen_id}/vehicles")
        return [record["plate_number"] for record in records]

    async def _find(self, params: dict[str, str]) -> Citizen | None:
        records = await self._get("/population/v1/citizens", params=params)
        return _citizen(records[0]) if records else None
