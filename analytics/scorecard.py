"""The scorecard of a period, per channel: what the assistant handled and how well.

Definitions (the figures a supervisor reads, README "12345 centre's view"):
- conversations: Rasa sessions (`session_started`) with at least one citizen message in the
  period; messages: the citizen messages Rasa saw (not the ones an agent answered instead).
- containment: the share of conversations no person had to take (no handoff in them).
- handoffs: opened in the period, by reason (`requested`: the citizen asked; `bot_failed`:
  the bot failed to understand twice in a row), from `assistant_handoffs`.
- fallback rate: citizen messages whose reply admitted it could not help (`custom.fallback`:
  not understood, unknown to the knowledge base, out of scope), per message.
- clarifications: replies offering 2-3 knowledge-base choices; first-choice rate: the
  share where the citizen's next message took choice 1 (another choice, or something else,
  is counted apart).
- tickets and bookings: the ones the dialogue filed or booked (a new number in the
  conversation's own-tickets / own-bookings slot), tickets by category; payments: orders
  paid, by the channel that made them; notices: proactive notices delivered.
- median reply time: from a citizen's message to Rasa's first reply event (Rasa's side; the
  gateway's own latency is in /metrics).
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from analytics.conversations import CHANNELS, OTHER_CHANNEL, Conversations, Turn, channel_of, next_turn
from analytics.period import Period, city_day
from analytics.records import Handoff, Notice, Payment

ALL = "all"
REQUESTED, BOT_FAILED = "requested", "bot_failed"
TICKETS_SLOT = "complaint_own_tickets"
BOOKINGS_SLOT = "appointment_own_bookings"
CATEGORY_SLOT = "complaint_category"


@dataclass
class Figures:
    conversations: int = 0
    messages: int = 0
    handed_off_conversations: int = 0
    handoffs: int = 0
    handoffs_requested: int = 0
    handoffs_bot_failed: int = 0
    fallbacks: int = 0
    clarifications: int = 0
    clarifications_first_choice: int = 0
    clarifications_other_choice: int = 0
    tickets: int = 0
    bookings: int = 0
    payments: int = 0
    notices_sent: int = 0
    reply_seconds: list[float] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def share(part: int, whole: int) -> float | None:
            return round(part / whole, 4) if whole else None

        median = statistics.median(self.reply_seconds) if self.reply_seconds else None
        body = {name: value for name, value in vars(self).items() if name != "reply_seconds"}
        return {
            **body,
            "contained": self.conversations - self.handed_off_conversations,
            "containment": share(self.conversations - self.handed_off_conversations, self.conversations),
            "fallback_rate": share(self.fallbacks, self.messages),
            "first_choice_rate": share(self.clarifications_first_choice, self.clarifications),
            "median_reply_ms": round(median * 1000) if median is not None else None,
        }


def new_item(turn: Turn, slot: str) -> str | None:
    """The number a turn added to a conversation's own-tickets or own-bookings list."""
    after, before = turn.slots.get(slot), turn.slots_before.get(slot) or []
    if not isinstance(after, list) or not after or after[-1] in before:
        return None
    return str(after[-1])


def choice_taken(offered: tuple[str, ...], answer: Turn | None) -> str:
    if answer is None or answer.text not in offered:
        return "none"
    return "first" if answer.text == offered[0] else "other"


def _session_of(handoff: Handoff, starts: dict[str, list[tuple[Any, int]]]) -> tuple[str, int] | None:
    """The conversation a handoff happened in: the sender's last session begun before it."""
    sessions = starts.get(handoff.sender)
    if not sessions:
        return None
    index = max(bisect_right([at for at, _ in sessions], handoff.at) - 1, 0)
    return handoff.sender, sessions[index][1]


@dataclass
class Scorecard:
    period: Period
    channels: dict[str, Figures]
    days: dict[date, Figures]
    categories: Counter[str]
    bill_types: Counter[str]
    notice_kinds: Counter[str]
    source: str

    def as_json(self, category_names: dict[str, str] | None = None) -> dict[str, Any]:
        names = category_names or {}
        return {
            "period": self.period.as_json(),
            "source": self.source,
            "channels": {name: figures.as_json() for name, figures in self.channels.items()},
            "days": [{"date": day.isoformat(), **figures.as_json()} for day, figures in self.days.items()],
            "ticket_categories": [
                {"category": category, "name": names.get(category, category), "count": count}
                for category, count in self.categories.most_common()
            ],
            "payment_bill_types": [{"bill_type": k, "count": n} for k, n in self.bill_types.most_common()],
            "notice_kinds": [{"kind": kind, "count": n} for kind, n in self.notice_kinds.most_common()],
        }


def build_scorecard(
    period: Period,
    conversations: Conversations,
    handoffs: list[Handoff],
    payments: list[Payment],
    notices: list[Notice],
    source: str,
) -> Scorecard:
    channels = {name: Figures() for name in (*CHANNELS, ALL)}
    days = {day: Figures() for day in period.days()}
    categories: Counter[str] = Counter()

    def buckets(channel: str, day: date) -> list[Figures]:
        if channel not in channels:
            channels[channel] = Figures()
        return [channels[channel], channels[ALL], days[day]]

    turns = conversations.turns
    talked: dict[tuple[str, int], date] = {}
    for index, turn in enumerate(turns):
        talked.setdefault((turn.sender, turn.session), city_day(turn.at))
        for figures in buckets(turn.channel, city_day(turn.at)):
            figures.messages += 1
            figures.fallbacks += turn.fallback is not None
            if turn.reply_seconds is not None:
                figures.reply_seconds.append(turn.reply_seconds)
        ticket, booking = new_item(turn, TICKETS_SLOT), new_item(turn, BOOKINGS_SLOT)
        if ticket:
            categories[str(turn.slots.get(CATEGORY_SLOT) or turn.slots_before.get(CATEGORY_SLOT) or "")] += 1
        offered = turn.clarification
        taken = choice_taken(offered, next_turn(turns, index)) if offered else None
        for figures in buckets(turn.channel, city_day(turn.at)):
            figures.tickets += ticket is not None
            figures.bookings += booking is not None
            if offered:
                figures.clarifications += 1
                figures.clarifications_first_choice += taken == "first"
                figures.clarifications_other_choice += taken == "other"
    for (sender, _session), day in talked.items():
        for figures in buckets(channel_of(sender), day):
            figures.conversations += 1

    starts: dict[str, list[tuple[Any, int]]] = defaultdict(list)
    for (sender, session), at in sorted(conversations.sessions.items(), key=lambda item: item[1]):
        starts[sender].append((at, session))
    handed_off: set[tuple[str, int]] = set()
    for handoff in handoffs:
        for figures in buckets(handoff.channel, city_day(handoff.at)):
            figures.handoffs += 1
            figures.handoffs_requested += handoff.reason == REQUESTED
            figures.handoffs_bot_failed += handoff.reason == BOT_FAILED
        found = _session_of(handoff, starts)
        if found in talked and found not in handed_off:
            handed_off.add(found)
            for figures in buckets(channel_of(found[0]), talked[found]):
                figures.handed_off_conversations += 1
    for payment in payments:
        for figures in buckets(payment.channel, city_day(payment.at)):
            figures.payments += 1
    for notice in notices:
        channel = notice.channel if notice.channel in CHANNELS else OTHER_CHANNEL
        for figures in buckets(channel, city_day(notice.at)):
            figures.notices_sent += 1
    return Scorecard(
        period,
        channels,
        days,
        categories,
        Counter(payment.bill_type for payment in payments),
        Counter(notice.kind for notice in notices),
        source,
    )
