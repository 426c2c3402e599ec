"""Numbers as citizens type them: digits or Chinese numerals, for dates, times and choices."""

from __future__ import annotations

_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def chinese_number(token: str) -> int | None:
    """1-99 written as digits or Chinese numerals (3, 十, 十二, 二十一); None for anything else."""
    if token.isdigit():
        return int(token)
    if not token or any(char not in _DIGITS for char in token):
        return None
    if "十" not in token:
        return _DIGITS[token] if len(token) == 1 else None
    tens, _, ones = token.partition("十")
    return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)
