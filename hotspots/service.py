"""Hotspots from the ticket system: the window's tickets, clustered, named and heated.

`HotspotService.hotspots(complaints, days)` is the 12345 centre's view (GET /api/ops/hotspots);
`HotspotService.merge(complaints, ticket)` is asked right after a citizen's ticket is filed:
when it falls in a group that already holds `min_tickets` tickets, not all closed, that group
is an open hotspot, the new ticket is linked to it (assistant_hotspot_links) and the citizen
told how many others reported the same problem. Tickets come from the ticket system's API
(`ComplaintClient.tickets_between`), never from its database.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from common.settings import HotspotSettings
from common.time_words import CITY_TIMEZONE
from departments.complaints import CLOSED, ComplaintClient, Ticket
from hotspots.clustering import ClusterParams, Complaint, cluster
from hotspots.encoder import embed
from hotspots.heat import heat
from hotspots.links import HotspotLinks

MAX_DAYS = 90.0


def city_now() -> datetime:
    return datetime.now(CITY_TIMEZONE)


@dataclass(frozen=True)
class Hotspot:
    id: str
    title: str
    category: str
    category_name: str
    department: str
    place: str
    count: int
    heat: float
    ticket_ids: list[str]
    first_at: str
    last_at: str
    open: bool

    def as_json(self) -> dict[str, Any]:
        """The contract's fields (CONTRACT.md, Operations) and the department and time span."""
        return {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "category_name": self.category_name,
            "department": self.department,
            "place": self.place,
            "count": self.count,
            "heat": self.heat,
            "ticket_ids": list(self.ticket_ids),
            "first_at": self.first_at,
            "last_at": self.last_at,
        }


@dataclass(frozen=True)
class Merge:
    hotspot: Hotspot
    others: int
    """How many citizens reported it before this ticket."""


def params_of(settings: HotspotSettings) -> ClusterParams:
    return ClusterParams(
        threshold=settings.distance_threshold,
        place_weight=settings.place_weight,
        time_weight=settings.time_weight,
    )


class HotspotService:
    def __init__(
        self,
        settings: HotspotSettings,
        links: HotspotLinks,
        clock: Callable[[], datetime] = city_now,
    ) -> None:
        self.settings = settings
        self.links = links
        self.clock = clock
        self.params = params_of(settings)

    async def hotspots(self, complaints: ComplaintClient, days: float | None = None) -> list[Hotspot]:
        """Groups of at least `min_tickets` tickets of the last `days`, hottest first."""
        now = self.clock()
        window = min(max(days or self.settings.window_days, 1 / 24), MAX_DAYS)
        tickets = await complaints.tickets_between(now - timedelta(days=window))
        groups = await asyncio.to_thread(self.group, tickets, now, window * 24)
        return [group for group in groups if group.count >= self.settings.min_tickets]

    async def merge(self, complaints: ComplaintClient, ticket: Ticket) -> Merge | None:
        """The open hotspot the just-filed `ticket` joins, linked; None when it joins none."""
        now = self.clock()
        tickets = await complaints.tickets_between(now - timedelta(days=self.settings.window_days))
        if all(item.ticket_id != ticket.ticket_id for item in tickets):
            tickets.append(ticket)  # a ticket system that lists it a moment later
        groups = await asyncio.to_thread(self.group, tickets, now, self.settings.window_days * 24)
        joined = next((group for group in groups if ticket.ticket_id in group.ticket_ids), None)
        if joined is None:
            return None
        others = [ticket_id for ticket_id in joined.ticket_ids if ticket_id != ticket.ticket_id]
        by_id = {item.ticket_id: item for item in tickets}
        still_open = any(by_id[ticket_id].status != CLOSED for ticket_id in others)
        if len(others) < self.settings.min_tickets or not still_open:
            return None
        await asyncio.to_thread(
            self.links.link, joined.id, joined.ticket_ids, now.isoformat(timespec="seconds")
        )
        return Merge(joined, len(others))

    def group(self, tickets: list[Ticket], now: datetime, window_hours: float) -> list[Hotspot]:
        """Every group of the tickets (singletons too), hottest first (blocking: encodes)."""
        if not tickets:
            return []
        complaints = [_complaint(ticket) for ticket in tickets]
        embeddings = embed([complaint.text for complaint in complaints])
        groups = cluster(complaints, embeddings, self.params)
        linked = self.links.links_of(ticket.ticket_id for ticket in tickets)
        found = [
            self._hotspot(tickets, complaints, embeddings, members, linked, now, window_hours)
            for members in groups
        ]
        return sorted(found, key=lambda hotspot: (-hotspot.heat, -hotspot.count, hotspot.id))

    def _hotspot(
        self,
        tickets: list[Ticket],
        complaints: list[Complaint],
        embeddings: np.ndarray,
        members: list[int],
        linked: dict[str, str],
        now: datetime,
        window_hours: float,
    ) -> Hotspot:
        members = sorted(members, key=lambda index: complaints[index].created_at)
        first = tickets[members[0]]
        vectors = embeddings[members]
        # The title of the ticket closest in meaning to all the others (the group's medoid).
        medoid = members[int(np.argmax((vectors @ vectors.T).sum(axis=1)))]
        places = Counter(complaints[index].place for index in members if complaints[index].place)
        earlier = Counter(
            linked[tickets[index].ticket_id] for index in members if tickets[index].ticket_id in linked
        )
        hotspot_id = earlier.most_common(1)[0][0] if earlier else f"HS-{first.ticket_id}"
        return Hotspot(
            id=hotspot_id,
            title=tickets[medoid].title,
            category=first.category,
            category_name=first.category_name,
            department=first.department,
            place=places.most_common(1)[0][0] if places else "",
            count=len(members),
            heat=heat(
                [complaints[index].created_at for index in members],
                now,
                window_hours,
                self.settings.half_life_hours,
                self.settings.growth_weight,
            ),
            ticket_ids=[tickets[index].ticket_id for index in reversed(members)],
            first_at=first.created_at,
            last_at=tickets[members[-1]].created_at,
            open=any(tickets[index].status != CLOSED for index in members),
        )


def _complaint(ticket: Ticket) -> Complaint:
    text = (ticket.description or ticket.title).strip()
    return Complaint(
        ticket_id=ticket.ticket_id,
        category=ticket.category,
        text=text,
        location=ticket.location,
        created_at=datetime.fromisoformat(ticket.created_at),
    )


_services: dict[tuple[HotspotSettings, str], HotspotService] = {}


def shared_service(settings: HotspotSettings, database_url: str) -> HotspotService:
    """One service (and link store) per process and configuration."""
    key = (settings, database_url)
    if key not in _services:
        _services[key] = HotspotService(settings, HotspotLinks(database_url))
    return _services[key]
