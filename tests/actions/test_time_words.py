from __future__ import annotations

from datetime import date

import pytest

from common.chinese_numbers import chinese_number
from common.time_words import month_label, resolve_month

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("这个月水费多少", "2026-11"),
        ("本月电费", "2026-11"),
        ("上个月电费交了没", "2026-10"),
        ("上上个月的", "2026-09"),
        ("9月份的水费", "2026-09"),
        ("九月", "2026-09"),
        ("十二月", "2025-12"),
        ("去年12月", "2025-12"),
        ("2025年3月", "2025-03"),
        ("查水费", None),
        ("13月", None),
    ],
)
def test_resolve_month(text: str, expected: str | None) -> None:
    assert resolve_month(text, TODAY) == expected


def test_resolve_month_across_new_year() -> None:
    assert resolve_month("上个月", date(2027, 1, 5)) == "2026-12"


def test_chinese_numbers_and_labels() -> None:
    assert [chinese_number(t) for t in ("3", "十", "十二", "二十一", "两", "x")] == [3, 10, 12, 21, 2, None]
    assert month_label("2026-09", TODAY) == "9月"
    assert month_label("2025-12", TODAY) == "2025年12月"
