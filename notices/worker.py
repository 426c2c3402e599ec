"""The sender: plans the inbox's events, then sends what is due, within quiet hours and limits.

One round at a time per job (the scheduler runs each with max_instances=1). A notice that may
not go now goes back to the queue with a time: the end of the quiet hours, the next hour for a
citizen who got their day's share, the next minute for a channel at its rate, a back-off for a
platform that failed (30 s, 60 s, 120 s... until NOTICE_MAX_ATTEMPTS, then `failed`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from common.masking import mask_text
from common.settings import NoticeSettings, SettingsError
from common.time_words import CITY_TIMEZONE
from departments.base import DepartmentError
from notices import events
from notices.departments import EventFeed
from notices.models import FAILED, REFUSED, SENT, SKIPPED, NoticeDelivery, utc_now
from notices.outbox import NoticeStore
from notices.planning import BILL_DUE, PAYMENT, Planner
from notices.senders import RETRY, Senders
from notices.subscriptions import BILL, SubscriptionStore

logger = logging.getLogger(__name__)
ROUND_SIZE = 20
POLL_CURSOR = "events"


@dataclass(frozen=True)
class QuietHours:
    """A span of the city's clock with no notices but urgent ones; it may wrap midnight."""

    start: time | None = None
    end: time | None = None

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        if not text.strip():
            return cls()
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-", 1))
        except ValueError:
            raise SettingsError(f"NOTICE_QUIET_HOURS must look like 22:00-08:00, not {text!r}") from None
        return cls(start, end)

    def _local(self, utc: datetime) -> datetime:
        return utc.replace(tzinfo=UTC).astimezone(CITY_TIMEZONE)

    def holds(self, utc: datetime) -> bool:
        if self.start is None or self.end is None or self.start == self.end:
            return False
        now = self._local(utc).time()
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def ends_after(self, utc: datetime) -> datetime:
        """The first moment after `utc` outside the quiet hours, as naive UTC."""
        assert self.end is not None
        local = self._local(utc)
        end = datetime.combine(local.date(), self.end, CITY_TIMEZONE)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC).replace(tzinfo=None)


def topic_of(delivery: NoticeDelivery) -> tuple[str, str]:
    """(subscription topic, bill type) a delivery answers to."""
    if delivery.kind in (BILL_DUE, PAYMENT):
        return (BILL if delivery.kind == BILL_DUE else PAYMENT), delivery.ref.partition(":")[0]
    return delivery.kind, ""


class Worker:
    def __init__(
        self,
        store: NoticeStore,
        subscriptions: SubscriptionStore,
        planner: Planner,
        senders: Senders,
        settings: NoticeSettings,
        feed: EventFeed | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self._subscriptions = subscriptions
        self.planner = planner
        self._senders = senders
        self._settings = settings
        self._quiet = QuietHours.parse(settings.quiet_hours)
        self._feed = feed
        self._clock = clock

    async def plan_round(self) -> int:
        """Plans the inbox's events in arrival order; one whose lookups fail waits for the next round."""
        planned = 0
        for event in await self.store.pending_events(self._clock()):
            try:
                planned += await self.planner.handle(event)
            except DepartmentError as error:
                logger.warning("event %s not planned yet: %s", event.kind, error)
                break
            await self.store.mark_processed(event.event_id)
        return planned

    async def poll_round(self) -> int:
        """Reads the departments' event feed after the last position read, into the inbox."""
        if self._feed is None:
            return 0
        position = await self.store.cursor(POLL_CURSOR)
        new = 0
        for item in await self._feed.after(position):
            try:
                event = events.parse_item(item)
            except events.BadEvent as error:
                logger.warning("skipping an unreadable polled event: %s", error)
            else:
                new += await self.store.record(event, "poll")
            await self.store.move_cursor(POLL_CURSOR, int(item.get("seq", position)))
        return new

    async def send_round(self) -> int:
        """Sends the due notices; returns how many went out."""
        now = self._clock()
        sent = 0
        for delivery in await self.store.claim_due(now, ROUND_SIZE):
            sent += await self._deliver(delivery, now)
        return sent

    async def send_claimed(self, delivery_id: int, claim: datetime) -> str:
        """One delivery the queue carried (`notices.queue`): sent as a round would send it, or
        nothing when its claim is stale."""
        now = self._clock()
        delivery = await self.store.take(delivery_id, claim, now)
        if delivery is None:
            return "stale"
        return "sent" if await self._deliver(delivery, now) else "not sent"

    async def _deliver(self, delivery: NoticeDelivery, now: datetime) -> int:
        limits = self._settings
        if not delivery.urgent:
            topic, bill_type = topic_of(delivery)
            if not await self._subscriptions.wants(delivery.recipient, topic, bill_type):
                await self.store.finish(delivery.id, SKIPPED, "unsubscribed")
                return 0
            if self._quiet.holds(now):
                await self.store.release(delivery.id, self._quiet.ends_after(now), "quiet hours")
                return 0
            day_ago = now - timedelta(days=1)
            if await self.store.count_sent(day_ago, recipient=delivery.recipient) >= limits.user_max_per_day:
                await self.store.release(delivery.id, now + timedelta(hours=1), "user daily limit")
                return 0
        minute_ago = now - timedelta(minutes=1)
        if await self.store.count_sent(minute_ago, channel=delivery.channel) >= limits.channel_max_per_minute:
            await self.store.release(delivery.id, now + timedelta(minutes=1), "channel rate limit")
            return 0
        outcome = await self._senders.send(delivery, now)
        attempts = delivery.attempts + 1
        if outcome.status == SENT:
            await self.store.finish(delivery.id, SENT, attempts=attempts, at=now)
            logger.info("notice %s sent on %s", delivery.kind, delivery.channel)
            return 1
        error = mask_text(outcome.error)[:128]
        if outcome.status == REFUSED:
            logger.warning("notice %s refused on %s: %s", delivery.kind, delivery.channel, error)
            await self.store.finish(delivery.id, REFUSED, error, attempts)
        elif outcome.status == RETRY and attempts < limits.max_attempts:
            delay = limits.retry_seconds * 2 ** (attempts - 1)
            await self.store.release(delivery.id, now + timedelta(seconds=delay), error, attempts)
        else:
            logger.error(
                "notice %s failed on %s after %s attempts: %s",
                delivery.kind,
                delivery.channel,
                attempts,
                error,
            )
            await self.store.finish(delivery.id, FAILED, error, attempts)
        return 0
