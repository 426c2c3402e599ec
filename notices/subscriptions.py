"""What each channel user asked for: bill reminders per bill type (on request only), ticket and
booking progress (on by default for whoever filed or booked), and the opt-outs that stop them.

The dialogue's actions and the sender share this store; it imports no channel code, so the
dialogue can use it without reaching a platform.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.database import AssistantStore
from common.settings import load_settings
from notices.models import NoticeSubscription, utc_now

logger = logging.getLogger(__name__)
ALL, BILL, TICKET, APPOINTMENT, PAYMENT = "all", "bill", "ticket", "appointment", "payment"
TOPICS = (BILL, TICKET, APPOINTMENT, PAYMENT)
DEFAULT_ON = frozenset({TICKET, APPOINTMENT})
"""A complainant hears of their ticket and a citizen of their booking unless they said no;
bill reminders and payment confirmations only when asked for."""


@dataclass(frozen=True)
class Subscription:
    recipient: str
    topic: str
    bill_type: str
    account: str
    ref: str
    enabled: bool
    citizen_id: str | None


def _view(row: NoticeSubscription) -> Subscription:
    return Subscription(
        row.recipient, row.topic, row.bill_type, row.account, row.ref, row.enabled, row.citizen_id
    )


class SubscriptionStore(AssistantStore):
    tables = (NoticeSubscription,)

    def _set(
        self, recipient: str, topic: str, enabled: bool, bill_type: str = "", ref: str = "", **values: object
    ) -> None:
        key = {"recipient": recipient, "topic": topic, "bill_type": bill_type, "ref": ref}
        for _ in range(2):  # a concurrent first insert of the same row wins; then update it
            with self._sessions() as session:
                row = session.scalar(select(NoticeSubscription).filter_by(**key))
                if row is None:
                    row = NoticeSubscription(**key)
                    session.add(row)
                row.enabled = enabled
                row.updated_at = utc_now()
                for name, value in values.items():
                    setattr(row, name, value)
                try:
                    session.commit()
                    return
                except IntegrityError:
                    session.rollback()

    def _subscribe(
        self, recipient: str, topic: str, bill_type: str, account: str, citizen_id: str | None
    ) -> None:
        self._set(recipient, ALL, True)
        self._set(recipient, topic, True, bill_type, account=account, citizen_id=citizen_id)

    def _unsubscribe(self, recipient: str, topic: str | None, bill_type: str | None) -> None:
        if topic is None:
            self._set(recipient, ALL, False)
            return
        if topic == BILL and not bill_type:
            with self._sessions() as session:
                session.execute(
                    update(NoticeSubscription)
                    .where(NoticeSubscription.recipient == recipient, NoticeSubscription.topic == BILL)
                    .values(enabled=False, updated_at=utc_now())
                )
                session.commit()
            return
        self._set(recipient, topic, False, bill_type or "")
        if topic in (TICKET, APPOINTMENT):  # and every ticket or booking they follow
            with self._sessions() as session:
                session.execute(
                    update(NoticeSubscription)
                    .where(
                        NoticeSubscription.recipient == recipient,
                        NoticeSubscription.topic == topic,
                        NoticeSubscription.ref != "",
                    )
                    .values(enabled=False, updated_at=utc_now())
                )
                session.commit()

    def _rows(self, session: Session, **filters: object) -> list[Subscription]:
        return [_view(row) for row in session.scalars(select(NoticeSubscription).filter_by(**filters))]

    def _of(self, recipient: str) -> list[Subscription]:
        with self._sessions() as session:
            return self._rows(session, recipient=recipient)

    def _with(self, **filters: object) -> list[Subscription]:
        with self._sessions() as session:
            return self._rows(session, **filters)

    # --- what the dialogue and the sender call ---

    async def subscribe(
        self,
        recipient: str,
        topic: str,
        bill_type: str = "",
        account: str = "",
        citizen_id: str | None = None,
    ) -> None:
        """Turns a topic on (bill reminders of one bill type for `account`); it also lifts an
        earlier "别再给我发了", since the citizen is asking again."""
        await self._run(self._subscribe, recipient, topic, bill_type, account, citizen_id)

    async def unsubscribe(
        self, recipient: str, topic: str | None = None, bill_type: str | None = None
    ) -> None:
        """One topic (or one bill type) off; no topic: every notice off but urgent ones."""
        await self._run(self._unsubscribe, recipient, topic, bill_type)

    async def follow(self, recipient: str, topic: str, ref: str, citizen_id: str | None = None) -> None:
        """The channel user who filed a ticket or made a booking hears of it there (default on);
        an earlier opt-out of the topic still holds at sending time."""
        await self._run(lambda: self._set(recipient, topic, True, "", ref, citizen_id=citizen_id))

    async def of(self, recipient: str) -> list[Subscription]:
        return await self._run(self._of, recipient)

    async def followers(self, topic: str, ref: str) -> list[Subscription]:
        return [row for row in await self._run(lambda: self._with(topic=topic, ref=ref)) if row.enabled]

    async def bill_subscribers(self, bill_type: str, account: str | None = None) -> list[Subscription]:
        rows = await self._run(lambda: self._with(topic=BILL, bill_type=bill_type, enabled=True))
        return [row for row in rows if account is None or row.account == account]

    async def all_bill_subscriptions(self) -> list[Subscription]:
        return await self._run(lambda: self._with(topic=BILL, enabled=True))

    async def wants(self, recipient: str, topic: str, bill_type: str = "") -> bool:
        """Whether a notice of `topic` may go to `recipient` now (urgent ones are not asked)."""
        rows = await self.of(recipient)
        if any(row.topic == ALL and not row.enabled for row in rows):
            return False
        general = [row for row in rows if row.topic == topic and not row.ref]
        if topic in (BILL, PAYMENT):
            return any(
                row.enabled and row.topic == BILL and row.bill_type == bill_type for row in rows
            ) or any(row.enabled for row in general)
        return not any(not row.enabled for row in general if row.bill_type in ("", bill_type))


async def follow_quietly(recipient: str, topic: str, ref: str, citizen_id: str | None = None) -> None:
    """For the filing and booking actions: recording the follower never fails what they did."""
    try:
        await subscription_store().follow(recipient, topic, ref, citizen_id)
    except Exception:  # the ticket or booking is made; only its notices are at stake
        logger.exception(
            "could not record the follower of a %s; its notices go to linked channels only", topic
        )


@lru_cache(maxsize=1)
def subscription_store() -> SubscriptionStore:
    return SubscriptionStore(load_settings().assistant_database_url)
