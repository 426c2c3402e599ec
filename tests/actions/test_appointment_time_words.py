"""Days and times of appointments in the citizen's words, against a fixed today."""

from __future__ import annotations

from datetime import date

import pytest

from common.time_words import day_label, opening_spans, resolve_date, resolve_time

TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天上午", date(2026, 11, 25)),
        ("后天下午两点", date(2026, 11, 26)),
        ("大后天", date(2026, 11, 27)),
        ("今天下午还能挂吗", date(2026, 11, 24)),
        ("下周三", date(2026, 12, 2)),
        ("下个礼拜二", date(2026, 12, 1)),
        ("下下周一", date(2026, 12, 7)),
        ("周五", date(2026, 11, 27)),
        ("星期一", date(2026, 11, 30)),
        ("这周一", date(2026, 11, 23)),
        ("11月25号", date(2026, 11, 25)),
        ("十一月二十八日上午", date(2026, 11, 28)),
        ("1月5号", date(2027, 1, 5)),
        ("2026年11月2日", date(2026, 11, 2)),
        ("25号", date(2026, 11, 25)),
        ("10号", date(2026, 12, 10)),
        ("下个月15号", date(2026, 12, 15)),
        ("下月三号上午", date(2026, 12, 3)),
        ("这个月二十八号", date(2026, 11, 28)),
        ('/inform{"time":"09:30","date":"2026-11-25"}', date(2026, 11, 25)),
        ("昨天", date(2026, 11, 23)),
        ("我要挂号", None),
        ("13805310001", None),
        ("2月30号", None),
    ],
)
def test_resolve_date(text: str, expected: date | None) -> None:
    assert resolve_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天上午", ("morning", None)),
        ("下午", ("afternoon", None)),
        ("早上", ("morning", None)),
        ("后天下午两点", ("afternoon", "14:00")),
        ("上午9点", ("morning", "09:00")),
        ("九点半", ("morning", "09:30")),
        ("下午3点半", ("afternoon", "15:30")),
        ("两点", ("afternoon", "14:00")),
        ("10点15分", ("morning", "10:15")),
        ("14:30", ("afternoon", "14:30")),
        ('/inform{"time":"09:30","date":"2026-11-25"}', ("morning", "09:30")),
        ("明天", (None, None)),
        ("13805310001", (None, None)),
        ("25:00", (None, None)),
    ],
)
def test_resolve_time(text: str, expected: tuple[str | None, str | None]) -> None:
    assert resolve_time(text) == expected


def test_day_label_names_near_days_and_weekdays() -> None:
    assert day_label(date(2026, 11, 25), TODAY) == "明天 11月25日（周三）"
    assert day_label(date(2026, 11, 30), TODAY) == "11月30日（周一）"
    assert day_label(date(2027, 1, 4), TODAY) == "2027年1月4日（周一）"


@pytest.mark.parametrize(
    ("hours", "day", "spans"),
    [
        ("周一至周五 9:00-17:00，周六 9:00-12:00", date(2026, 12, 5), [("09:00", "12:00")]),
        ("周一至周五 9:00-17:00，周六 9:00-12:00", date(2026, 12, 6), []),
        ("周一至周六 8:00-11:30，13:30-17:00", date(2026, 12, 2), [("08:00", "11:30"), ("13:30", "17:00")]),
    ],
)
def test_the_opening_hours_of_one_day(hours: str, day: date, spans: list[tuple[str, str]]) -> None:
    assert opening_spans(hours, day) == spans
