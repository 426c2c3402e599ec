"""The two department APIs the notices read: the event feed (for departments polled instead
of posting webhooks) and the population registry's channel links of a citizen."""

from __future__ import annotations

from typing import Any

from common.settings import DepartmentSettings
from departments.base import ClientLimits, DepartmentClient, RecordNotFound

CHANNEL_FIELDS = (("wechat", "wechat_openid"), ("alipay", "alipay_user_id"))
"""In order of preference: a citizen linked on both hears on WeChat only."""


class EventFeed(DepartmentClient):
    department_name = "部门事件推送"

    async def after(self, seq: int, limit: int = 100) -> list[dict[str, Any]]:
        body = await self._get("/events/v1/events", params={"after": str(seq), "limit": str(limit)})
        return list(body["events"])


class LinkedChannels(DepartmentClient):
    department_name = "市民信息系统"

    async def of(self, citizen_id: str) -> list[str]:
        """The channel user ids ("wechat:<openid>") the city links to a citizen, preferred first."""
        try:
            record = await self._get(f"/population/v1/citizens/{citizen_id}")
        except RecordNotFound:
            return []
        return [f"{channel}:{record[field]}" for channel, field in CHANNEL_FIELDS if record.get(field)]


def build(settings: DepartmentSettings, key: str, client: type[DepartmentClient], name: str) -> Any:
    return client(settings.url_for(key), ClientLimits.from_settings(settings, key), name)
