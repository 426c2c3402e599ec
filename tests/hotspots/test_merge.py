"""The merge decision on filing: a new ticket joins an open hotspot of the same category,
close in meaning and place, within the window; it is linked and the citizen told how many
reported it before. Any failure of the check leaves the filing alone."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from common.settings import HotspotSettings
from departments.base import DepartmentUnavailable
from departments.complaints import CLOSED, Ticket
from hotspots import filing
from hotspots.links import HotspotLinks
from hotspots.service import HotspotService

NOW = datetime.fromisoformat("2026-11-20T12:00:00+08:00")
LIGHTS = (
    ("统一路的路灯全都不亮了，晚上很黑", "统一路"),
    ("路灯坏了好几天了一直没人修", "环翠区统一路"),
    ("晚上走统一路一盏灯都没有，赶紧修修路灯吧", None),
)


def _ticket(number: int, text: str, location: str | None, hours_ago: float, **changes: object) -> Ticket:
    ticket = Ticket(
        ticket_id=f"12345-20261120-{number:04d}",
        category="urban_construction",
        category_name="城乡建设",
        department="市住房和城乡建设局",
        title=text[:30],
        location=location,
        status="已受理",
        created_at=(NOW - timedelta(hours=hours_ago)).isoformat(timespec="seconds"),
        satisfaction=None,
        history=[],
        description=text,
    )
    return replace(ticket, **changes)


class FakeTickets:
    """The ticket system's listing, as ComplaintClient.tickets_between gives it."""

    def __init__(self, tickets: list[Ticket], error: Exception | None = None) -> None:
        self.tickets, self.error, self.asked = tickets, error, []

    async def tickets_between(self, since: datetime, until: datetime | None = None) -> list[Ticket]:
        self.asked.append(since)
        if self.error:
            raise self.error
        return [ticket for ticket in self.tickets if datetime.fromisoformat(ticket.created_at) >= since]


@pytest.fixture
def service(tmp_path: Path) -> HotspotService:
    return HotspotService(HotspotSettings(), HotspotLinks(f"sqlite:///{tmp_path / 'a.db'}"), lambda: NOW)


def _earlier(count: int = 3, **changes: object) -> list[Ticket]:
    return [
        _ticket(n + 1, text, where, 30 - 10 * n, **changes) for n, (text, where) in enumerate(LIGHTS[:count])
    ]


def test_a_new_ticket_about_an_open_hotspot_is_merged_and_linked(service: HotspotService) -> None:
    new = _ticket(9, "统一路路灯不亮，天黑以后整条路都是黑的", "统一路", 0)
    merge = asyncio.run(service.merge(FakeTickets([*_earlier(), new]), new))
    assert merge is not None and merge.others == 3
    assert new.ticket_id in merge.hotspot.ticket_ids and merge.hotspot.count == 4
    links = service.links.links_of(merge.hotspot.ticket_ids)
    assert set(links.values()) == {merge.hotspot.id} and len(links) == 4
    # The hotspot keeps its id once linked, and the centre's view shows the new ticket in it.
    listed = asyncio.run(service.hotspots(FakeTickets([*_earlier(), new]), 7))
    assert listed[0].id == merge.hotspot.id and new.ticket_id in listed[0].ticket_ids


def test_one_earlier_ticket_is_not_yet_a_hotspot(service: HotspotService) -> None:
    new = _ticket(9, "统一路路灯不亮，天黑以后整条路都是黑的", "统一路", 0)
    assert asyncio.run(service.merge(FakeTickets([*_earlier(1), new]), new)) is None


def test_closed_incidents_other_places_problems_and_categories_are_not_merged(
    service: HotspotService,
) -> None:
    lights = _ticket(9, "统一路路灯不亮，天黑以后整条路都是黑的", "统一路", 0)
    assert asyncio.run(service.merge(FakeTickets([*_earlier(status=CLOSED), lights]), lights)) is None
    elsewhere = _ticket(10, "青岛路的井盖不见了，很危险", "青岛路", 0)
    assert asyncio.run(service.merge(FakeTickets([*_earlier(), elsewhere]), elsewhere)) is None
    other_category = _ticket(11, "统一路路灯不亮，天黑以后整条路都是黑的", "统一路", 0, category="transport")
    assert asyncio.run(service.merge(FakeTickets([*_earlier(), other_category]), other_category)) is None


def test_tickets_outside_the_window_do_not_count(service: HotspotService) -> None:
    old = [replace(ticket, created_at=(NOW - timedelta(days=9)).isoformat()) for ticket in _earlier()]
    new = _ticket(9, "统一路路灯不亮，天黑以后整条路都是黑的", "统一路", 0)
    tickets = FakeTickets([*old, new])
    assert asyncio.run(service.merge(tickets, new)) is None
    assert tickets.asked == [NOW - timedelta(days=7)]


def test_the_centres_view_is_hottest_first_with_the_contract_fields(service: HotspotService) -> None:
    manholes = [
        _ticket(20 + n, text, "青岛路", 100 + n)
        for n, text in enumerate(
            ("青岛路的井盖不见了，很危险", "青岛路窨井盖丢了没有警示", "青岛路井盖没了有人崴脚")
        )
    ]
    listed = asyncio.run(service.hotspots(FakeTickets([*manholes, *_earlier()]), 7))
    assert [hotspot.count for hotspot in listed] == [3, 3]
    assert listed[0].heat > listed[1].heat and "路灯" in listed[0].title and listed[0].place == "统一路"
    body = listed[0].as_json()
    assert {"id", "title", "category", "place", "count", "heat", "ticket_ids"} <= set(body)
    assert body["category"] == "urban_construction" and len(body["ticket_ids"]) == 3


def test_the_filing_hook_never_fails_the_filing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    new = _ticket(9, "统一路路灯不亮，天黑以后整条路都是黑的", "统一路", 0)
    down = FakeTickets([], DepartmentUnavailable("12345热线工单系统", "down"))
    assert asyncio.run(filing.merged_notice(down, new)) is None  # type: ignore[arg-type]
    now_tickets = [replace(t, created_at=datetime.now(NOW.tzinfo).isoformat()) for t in [*_earlier(), new]]
    notice = asyncio.run(filing.merged_notice(FakeTickets(now_tickets), now_tickets[-1]))  # type: ignore[arg-type]
    assert notice == "已有3位市民反映同一问题，已合并督办。"
