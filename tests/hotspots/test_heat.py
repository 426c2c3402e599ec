"""The heat score: more tickets, newer tickets and a faster last day are hotter."""

from __future__ import annotations

from datetime import datetime, timedelta

from hotspots.heat import heat

NOW = datetime.fromisoformat("2026-11-20T12:00:00+08:00")
WINDOW = 7 * 24


def _heat(*hours_ago: float, half_life: float = 24.0, growth: float = 0.5) -> float:
    return heat([NOW - timedelta(hours=hours) for hours in hours_ago], NOW, WINDOW, half_life, growth)


def test_a_ticket_filed_now_counts_one_and_halves_each_half_life() -> None:
    assert _heat(0, growth=0.0) == 1.0
    assert _heat(24, growth=0.0) == 0.5
    assert _heat(48, growth=0.0) == 0.25


def test_growth_is_the_last_day_beyond_the_earlier_rate() -> None:
    # 3 in the last day, 6 over the 6 days before (1/day expected): 3 - 1 = 2 extra.
    recent, earlier = (1, 2, 3), (30, 50, 70, 90, 110, 130)
    expected_recency = sum(2 ** (-hours / 24) for hours in recent + earlier)
    assert _heat(*recent, *earlier) == round(expected_recency + 0.5 * 2, 3)


def test_ordering_more_newer_and_growing_is_hotter() -> None:
    many, few = _heat(1, 2, 3, 4), _heat(1, 2)
    recent, old = _heat(1, 2, 3), _heat(100, 110, 120)
    growing, steady = _heat(1, 3, 5, 7, 60), _heat(10, 40, 70, 100, 130)
    assert many > few
    assert recent > old
    assert growing > steady
    assert sorted([old, recent, many, few], reverse=True)[0] == many
