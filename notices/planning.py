"""From a department event to the notices it causes: who gets one, when, and with what words.

Every draft carries a dedupe key built from what it is about (the event, or the bill's period,
the booking), so a repeated webhook, a polled copy of a posted event and the periodic bill scan
all land on the same row. Time: the city's clock (UTC+8) for due dates and bookings, stored UTC.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from common.time_words import CITY_TIMEZONE
from departments.bill_types import BILL_TYPES
from departments.bindings import BindingStore
from departments.registry import Departments
from departments.utility import UtilityAccount
from notices import compose
from notices.departments import LinkedChannels
from notices.events import Event
from notices.models import utc_now
from notices.outbox import Draft, NoticeStore
from notices.subscriptions import APPOINTMENT, TICKET, SubscriptionStore

logger = logging.getLogger(__name__)
TICKET_STATUSES = frozenset({"已受理", "已派单", "已办结"})
"""处理中 is not worth a message of its own; the citizen hears when it is dispatched and done."""
BILL_REMINDER_HOUR = time(9, 0)
BILL_DUE, PAYMENT, OUTAGE = "bill_due", "payment", "outage"
FINE_PAID = "已处理"


def _utc(moment: datetime) -> datetime:
    """An aware city time as the naive UTC the outbox stores."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def city_date(utc: datetime) -> date:
    return utc.replace(tzinfo=UTC).astimezone(CITY_TIMEZONE).date()


def bill_ref(data: dict[str, Any]) -> str:
    return f"{data['bill_type']}:{data['account_number']}:{data['period']}"


def fine_ref(data: dict[str, Any]) -> str:
    return f"{compose.FINE}:{data['plate_number']}:{data['record_id']}"


class Planner:
    def __init__(
        self,
        store: NoticeStore,
        subscriptions: SubscriptionStore,
        links: LinkedChannels,
        registry: Departments,
        bindings: BindingStore,
        *,
        hotline: str,
        bill_days_before: int,
        appointment_lead_hours: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._subscriptions = subscriptions
        self._links = links
        self._registry = registry
        self._bindings = bindings
        self._hotline = hotline
        self._bill_days = bill_days_before
        self._lead = timedelta(hours=appointment_lead_hours)
        self._clock = clock

    def _today(self) -> date:
        return city_date(self._clock())

    async def handle(self, event: Event) -> int:
        """Queues the event's notices; returns how many were new. Raises DepartmentError when a
        lookup fails, so the event stays in the inbox and is planned again next round."""
        handler = {
            "ticket.created": self._ticket,
            "ticket.status_changed": self._ticket,
            "bill.issued": self._bill_issued,
            "bill.paid": self._bill_paid,
            "fine.issued": self._fine_issued,
            "appointment.booked": self._booked,
            "appointment.cancelled": self._cancelled,
            "outage.announced": self._outage,
        }[event.kind]
        drafts = await handler(event)
        return sum([await self._store.enqueue(draft) for draft in drafts])

    async def _people(self, topic: str, ref: str, citizen_id: str | None) -> list[tuple[str, str | None]]:
        """Whoever filed or booked in a conversation, else the citizen's preferred linked channel."""
        followers = await self._subscriptions.followers(topic, ref)
        if followers:
            return [(row.recipient, row.citizen_id or citizen_id) for row in followers]
        linked = await self._links.of(citizen_id) if citizen_id else []
        return [(linked[0], citizen_id)] if linked else []

    async def _ticket(self, event: Event) -> list[Draft]:
        data = event.data
        if data.get("status") not in TICKET_STATUSES:
            return []
        notice = compose.ticket_notice(data, self._hotline)
        ticket_id = str(data["ticket_id"])
        return [
            Draft(
                f"{event.event_id}:{citizen or recipient}",
                TICKET,
                recipient,
                notice.title,
                notice.text,
                ref=ticket_id,
                event_id=event.event_id,
                citizen_id=citizen,
            )
            for recipient, citizen in await self._people(TICKET, ticket_id, data.get("holder"))
        ]

    def _reminder_time(self, due: date) -> datetime:
        local = datetime.combine(due - timedelta(days=self._bill_days), BILL_REMINDER_HOUR, CITY_TIMEZONE)
        return max(_utc(local), self._clock())

    def _due_drafts(
        self,
        ref: str,
        due: date,
        compose_for: Callable[[date], compose.Notice],
        recipients: list[tuple[str, str | None]],
        event_id: str | None,
    ) -> list[Draft]:
        """One reminder per recipient of something due on `due`, worded for the day it goes out."""
        not_before = self._reminder_time(due)
        notice = compose_for(city_date(not_before))
        return [
            Draft(
                f"bill:{ref}:{recipient}",
                BILL_DUE,
                recipient,
                notice.title,
                notice.text,
                ref=ref,
                event_id=event_id,
                citizen_id=citizen,
                not_before=not_before,
            )
            for recipient, citizen in recipients
        ]

    def bill_drafts(
        self, data: dict[str, Any], recipients: list[tuple[str, str | None]], event_id: str | None
    ) -> list[Draft]:
        due = date.fromisoformat(str(data["due_date"]))
        if data.get("status") == "paid" or due < self._today():
            return []
        return self._due_drafts(
            bill_ref(data), due, lambda day: compose.bill_due_notice(data, day), recipients, event_id
        )

    def fine_drafts(
        self, data: dict[str, Any], recipients: list[tuple[str, str | None]], event_id: str | None
    ) -> list[Draft]:
        """A traffic fine not paid by its deadline (`pay_by`) gets the same reminder as a bill."""
        if data.get("status") == FINE_PAID or not data.get("pay_by"):
            return []
        due = date.fromisoformat(str(data["pay_by"]))
        if due < self._today():
            return []
        return self._due_drafts(
            fine_ref(data), due, lambda day: compose.fine_due_notice(data, day), recipients, event_id
        )

    async def _bill_issued(self, event: Event) -> list[Draft]:
        data = event.data
        rows = await self._subscriptions.bill_subscribers(str(data["bill_type"]), str(data["account_number"]))
        return self.bill_drafts(data, [(row.recipient, row.citizen_id) for row in rows], event.event_id)

    async def _fine_issued(self, event: Event) -> list[Draft]:
        data = event.data
        rows = await self._subscriptions.bill_subscribers(compose.FINE, str(data["plate_number"]))
        return self.fine_drafts(data, [(row.recipient, row.citizen_id) for row in rows], event.event_id)

    async def _bill_paid(self, event: Event) -> list[Draft]:
        data = event.data
        await self._store.skip_queued(BILL_DUE, bill_ref(data), "paid")
        rows = await self._subscriptions.bill_subscribers(str(data["bill_type"]), str(data["account_number"]))
        notice = compose.payment_notice(data)
        return [
            Draft(
                f"{event.event_id}:{row.recipient}",
                PAYMENT,
                row.recipient,
                notice.title,
                notice.text,
                ref=bill_ref(data),
                event_id=event.event_id,
                citizen_id=row.citizen_id,
            )
            for row in rows
        ]

    async def _booked(self, event: Event) -> list[Draft]:
        data = event.data
        starts = datetime.combine(
            date.fromisoformat(str(data["date"])), time.fromisoformat(str(data["start"])), CITY_TIMEZONE
        )
        if _utc(starts) <= self._clock():
            return []
        booking_no = str(data["booking_no"])
        not_before = max(_utc(starts - self._lead), self._clock())
        notice = compose.appointment_notice(data, city_date(not_before))
        return [
            Draft(
                f"appointment:{booking_no}:{recipient}",
                APPOINTMENT,
                recipient,
                notice.title,
                notice.text,
                ref=booking_no,
                event_id=event.event_id,
                citizen_id=citizen,
                not_before=not_before,
            )
            for recipient, citizen in await self._people(APPOINTMENT, booking_no, data.get("citizen_id"))
        ]

    async def _cancelled(self, event: Event) -> list[Draft]:
        await self._store.skip_queued(APPOINTMENT, str(event.data["booking_no"]), "cancelled")
        return []

    async def _outage(self, event: Event) -> list[Draft]:
        """Urgent, to everyone the assistant knows behind an affected account: who subscribed to
        its reminders or bound it in a conversation, and the holder's linked channel."""
        data = event.data
        bill_type = str(data.get("bill_type", ""))
        people: dict[str, str | None] = {}
        for item in data.get("accounts") or []:
            number, holder = str(item["account_number"]), item.get("holder")
            for row in await self._subscriptions.bill_subscribers(bill_type, number):
                people.setdefault(row.recipient, row.citizen_id or holder)
            for sender in await self._bindings.bound_to(bill_type, number):
                people.setdefault(sender, holder)
            linked = await self._links.of(holder) if holder else []
            if linked:
                people.setdefault(linked[0], holder)
        notice = compose.outage_notice(data)
        return [
            Draft(
                f"{event.event_id}:{recipient}",
                OUTAGE,
                recipient,
                notice.title,
                notice.text,
                event_id=event.event_id,
                citizen_id=citizen,
                urgent=True,
            )
            for recipient, citizen in people.items()
        ]

    async def scan_bills(self) -> int:
        """For departments that post no events: each subscribed account's unpaid bills, and each
        subscribed plate's unpaid fines, coming due; a fine paid since drops its reminder."""
        queued = 0
        for row in await self._subscriptions.all_bill_subscriptions():
            if row.bill_type not in BILL_TYPES or not row.account:
                continue
            kind = BILL_TYPES[row.bill_type].kind
            if kind == "billed":
                drafts = await self._scanned_bills(
                    row.bill_type, row.account, (row.recipient, row.citizen_id)
                )
            elif kind == "traffic":
                drafts = await self._scanned_fines(row.account, (row.recipient, row.citizen_id))
            else:
                continue
            for draft in drafts:
                queued += await self._store.enqueue(draft)
        return queued

    def _soon(self, due: str) -> bool:
        return (date.fromisoformat(due) - self._today()).days <= self._bill_days

    async def _scanned_bills(
        self, bill_type: str, number: str, recipient: tuple[str, str | None]
    ) -> list[Draft]:
        account = await self._registry.billing(bill_type).get_account(number)
        assert isinstance(account, UtilityAccount)
        drafts: list[Draft] = []
        for bill in account.bills:
            data = {
                "bill_type": bill_type,
                "account_number": number,
                "period": bill.period,
                "amount": bill.amount,
                "due_date": bill.due_date,
                "status": bill.status,
            }
            if self._soon(bill.due_date):
                drafts += self.bill_drafts(data, [recipient], None)
        return drafts

    async def _scanned_fines(self, plate: str, recipient: tuple[str, str | None]) -> list[Draft]:
        drafts: list[Draft] = []
        for violation in await self._registry.traffic.violations(plate):
            data = {**asdict(violation), "plate_number": plate}
            if violation.status == FINE_PAID:
                await self._store.skip_queued(BILL_DUE, fine_ref(data), "paid")
            elif violation.pay_by and self._soon(violation.pay_by):
                drafts += self.fine_drafts(data, [recipient], None)
        return drafts
