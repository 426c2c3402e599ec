"""What WeChat allows the sender to send a user, from what the user did on the account.

WeChat takes customer-service messages for 48 hours after the user's last message, menu
click, follow or scan (45015 later), so the channel records each of those (`heard`), and the
sender asks `within_window`. A 订阅通知 the user accepted in the account's subscription pop-up
(`subscribe_msg_popup_event`, one accept per template) allows one message of that template:
`take_grant` uses one, `give_back` returns it when the message never reached WeChat, and a
reject, in the pop-up or later in the settings (`subscribe_msg_change_event`), withdraws the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from common.database import AssistantStore
from common.settings import load_settings
from notices.models import SubscribeGrant, WeChatContact, utc_now

WINDOW = timedelta(hours=48)
OPENING_EVENTS = frozenset({"subscribe", "scan", "click", "scancode_push", "scancode_waitmsg"})
"""The events after which WeChat takes customer-service messages; a view, an unfollow or a
location report do not open the window."""
SUBSCRIPTION_EVENTS = {
    "subscribe_msg_popup_event": "SubscribeMsgPopupEvent",
    "subscribe_msg_change_event": "SubscribeMsgChangeEvent",
}


def opens_window(fields: Mapping[str, Any]) -> bool:
    """Whether a pushed message (its XML fields) lets customer-service messages through."""
    if str(fields.get("MsgType", "")).lower() != "event":
        return True
    return str(fields.get("Event", "")).lower() in OPENING_EVENTS


def subscription_choices(fields: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """(template id, accepted) for each template a subscription event names."""
    container = SUBSCRIPTION_EVENTS.get(str(fields.get("Event", "")).lower())
    block = fields.get(container) if container else None
    items = block.get("List") if isinstance(block, Mapping) else None
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list):
        return []
    return [
        (str(item["TemplateId"]), str(item.get("SubscribeStatusString", "")).lower() == "accept")
        for item in items
        if isinstance(item, Mapping) and item.get("TemplateId")
    ]


class ContactStore(AssistantStore):
    tables = (WeChatContact, SubscribeGrant)

    def _saw(self, recipient: str, at: datetime) -> None:
        for _ in range(2):  # a concurrent first insert wins; then update it
            with self._sessions() as session:
                row = session.get(WeChatContact, recipient)
                if row is None:
                    session.add(WeChatContact(recipient=recipient, last_inbound_at=at))
                elif row.last_inbound_at < at:
                    row.last_inbound_at = at
                try:
                    session.commit()
                    return
                except IntegrityError:
                    session.rollback()

    def _choose(self, recipient: str, template_id: str, accepted: bool, at: datetime) -> None:
        with self._sessions() as session:
            if accepted:
                session.add(SubscribeGrant(recipient=recipient, template_id=template_id, granted_at=at))
            else:
                session.execute(
                    delete(SubscribeGrant).where(
                        SubscribeGrant.recipient == recipient,
                        SubscribeGrant.template_id == template_id,
                        SubscribeGrant.used_at.is_(None),
                    )
                )
            session.commit()

    def _heard(self, recipient: str, fields: Mapping[str, Any], at: datetime) -> None:
        if opens_window(fields):
            self._saw(recipient, at)
        for template_id, accepted in subscription_choices(fields):
            self._choose(recipient, template_id, accepted, at)

    async def heard(self, recipient: str, fields: Mapping[str, Any], at: datetime | None = None) -> None:
        """Records a message or event the user pushed (wechatpy's parsed XML fields)."""
        await self._run(self._heard, recipient, fields, at or utc_now())

    async def grant(self, recipient: str, template_id: str) -> None:
        """One accepted subscription, as the pop-up event records it."""
        await self._run(self._choose, recipient, template_id, True, utc_now())

    def _last(self, recipient: str) -> datetime | None:
        with self._sessions() as session:
            row = session.get(WeChatContact, recipient)
            return row.last_inbound_at if row else None

    async def within_window(self, recipient: str, now: datetime) -> bool:
        last = await self._run(self._last, recipient)
        return last is not None and now - last < WINDOW

    def _take(self, recipient: str, template_id: str, now: datetime) -> int | None:
        with self._sessions() as session:
            candidates = session.scalars(
                select(SubscribeGrant.id)
                .where(
                    SubscribeGrant.recipient == recipient,
                    SubscribeGrant.template_id == template_id,
                    SubscribeGrant.used_at.is_(None),
                )
                .order_by(SubscribeGrant.id)
            ).all()
            for grant_id in candidates:  # a conditional update: two senders never use one grant
                won = session.execute(
                    update(SubscribeGrant)
                    .where(SubscribeGrant.id == grant_id, SubscribeGrant.used_at.is_(None))
                    .values(used_at=now)
                )
                session.commit()
                if won.rowcount == 1:
                    return int(grant_id)
            return None

    async def take_grant(self, recipient: str, template_id: str, now: datetime) -> int | None:
        """Uses one accepted subscription of `template_id`; None when the user has none left."""
        return await self._run(self._take, recipient, template_id, now)

    def _give_back(self, grant_id: int) -> None:
        with self._sessions() as session:
            session.execute(update(SubscribeGrant).where(SubscribeGrant.id == grant_id).values(used_at=None))
            session.commit()

    async def give_back(self, grant_id: int) -> None:
        """For a message that did not reach WeChat (an outage): the grant is still the user's."""
        await self._run(self._give_back, grant_id)

    def _left(self, recipient: str, template_id: str) -> int:
        with self._sessions() as session:
            return len(
                session.scalars(
                    select(SubscribeGrant.id).where(
                        SubscribeGrant.recipient == recipient,
                        SubscribeGrant.template_id == template_id,
                        SubscribeGrant.used_at.is_(None),
                    )
                ).all()
            )

    async def grants_left(self, recipient: str, template_id: str) -> int:
        return await self._run(self._left, recipient, template_id)


@lru_cache(maxsize=1)
def contact_store() -> ContactStore:
    return ContactStore(load_settings().assistant_database_url)
