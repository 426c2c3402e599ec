"""How hot a hotspot is: many tickets, recent ones, and more of them lately.

    heat = sum_i 2^(-age_i / half_life)  +  growth_weight * max(0, n_24h - expected_24h)

age_i is ticket i's age in hours, so a ticket filed now counts 1, one filed a half-life ago
0.5. n_24h is the number of tickets of the last 24 hours; expected_24h is what the rest of
the window would predict for 24 hours (n_before * 24 / (window_hours - 24)), so a hotspot
whose reports are speeding up gets the bonus, a steady or fading one none.
"""

from __future__ import annotations

from datetime import datetime

DAY_HOURS = 24.0


def heat(
    created: list[datetime],
    now: datetime,
    window_hours: float,
    half_life_hours: float,
    growth_weight: float,
) -> float:
    ages = [max(0.0, (now - moment).total_seconds() / 3600) for moment in created]
    recency = sum(2 ** (-age / half_life_hours) for age in ages)
    last_day = sum(1 for age in ages if age <= DAY_HOURS)
    before = len(ages) - last_day
    expected = before * DAY_HOURS / max(window_hours - DAY_HOURS, DAY_HOURS)
    return round(recency + growth_weight * max(0.0, last_day - expected), 3)
