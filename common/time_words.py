"""Resolving the time words citizens use ("上个月", "9月份", "明天上午") to dates.

Pure functions of the text and today's date, so they are tested without a clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from common.chinese_numbers import chinese_number

_RELATIVE_MONTHS = (
    (("上上个月", "上上月", "前两个月"), -2),
    (("上个月", "上月", "前一个月", "上一个月"), -1),
    (("这个月", "本月", "这月", "当月", "这一个月"), 0),
    (("下个月", "下月"), 1),
)


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def resolve_month(text: str, today: date) -> str | None:
    """ "YYYY-MM" for a month expression, or None. A month name alone means its latest
    occurrence not after this month, because citizens ask about bills already issued."""
    for words, delta in _RELATIVE_MONTHS:
        if any(word in text for word in words):
            year, month = shift_month(today.year, today.month, delta)
            return f"{year:04d}-{month:02d}"
    explicit = re.search(r"(?:(\d{4}|去年|今年)年?)?\s*([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*月", text)
    if not explicit:
        return None
    month = chinese_number(explicit.group(2))
    if month is None or not 1 <= month <= 12:
        return None
    year_word = explicit.group(1)
    if year_word == "去年":
        year = today.year - 1
    elif year_word and year_word.isdigit():
        year = int(year_word)
    elif year_word == "今年":
        year = today.year
    else:
        year = today.year if month <= today.month else today.year - 1
    return f"{year:04d}-{month:02d}"


def month_label(period: str, today: date) -> str:
    """ "2026-09" → "9月" this year, "2025年12月" otherwise."""
    year, month = (int(part) for part in period.split("-"))
    return f"{month}月" if year == today.year else f"{year}年{month}月"


# --- days and times of appointments ---------------------------------------------------

CITY_TIMEZONE = timezone(timedelta(hours=8))
"""China keeps one time zone without daylight saving, so the city's "today" is UTC+8."""
WEEKDAY_LABELS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
MORNING, AFTERNOON = "morning", "afternoon"
PERIOD_LABELS = {MORNING: "上午", AFTERNOON: "下午"}
_WEEKDAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_RELATIVE_DAYS = (
    ("大后天", 3),
    ("后天", 2),
    ("明天", 1),
    ("明儿", 1),
    ("今天", 0),
    ("今儿", 0),
    ("昨天", -1),
    ("前天", -2),
)
_NUMBER = r"\d{1,2}|[一二两三四五六七八九十]{1,3}"
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_MONTH_DAY = re.compile(rf"(?:(\d{{4}})年)?({_NUMBER})月({_NUMBER})[日号]?")
# "下个月15号", "这月二十号": the day of a month named relative to this one.
_RELATIVE_MONTH_DAY = re.compile(rf"(下个?月|这个?月|本月)({_NUMBER})[日号]?")
_RELATIVE_MONTH_DELTA = {"下个月": 1, "下月": 1, "这个月": 0, "这月": 0, "本月": 0}
_DAY_ONLY = re.compile(rf"(?<![\d月])({_NUMBER})[日号](?!码)")
_WEEKDAY = re.compile(r"(下下个?|下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天1-7])")
_CLOCK = re.compile(r"(?<!\d)(\d{1,2})[:：](\d{2})(?!\d)")
_HOUR = re.compile(rf"(早上|早晨|上午|中午|下午|晚上)?\s*({_NUMBER})\s*[点时](半|一刻|(\d{{1,2}})分?)?")
_PERIOD_WORDS = ((("上午", "早上", "早晨", "一早"), MORNING), (("下午", "午后"), AFTERNOON))


def city_today() -> date:
    return datetime.now(CITY_TIMEZONE).date()


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def resolve_date(text: str, today: date) -> date | None:
    """The day a citizen means: "明天", "下周三", "周五" (the next one), "11月25号", "25号"
    (this month, or the next when already past), "下个月15号", or an ISO date from a button payload.
    A past date is returned as it is, so the caller can say why it cannot be booked."""
    iso = _ISO_DATE.search(text)
    if iso:
        return _safe_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    for word, offset in _RELATIVE_DAYS:
        if word in text:
            return today + timedelta(days=offset)
    weekday = _WEEKDAY.search(text)
    if weekday:
        prefix, day_char = weekday.groups()
        index = int(day_char) - 1 if day_char.isdigit() else _WEEKDAY_INDEX[day_char]
        monday = today - timedelta(days=today.weekday())
        if prefix and prefix.startswith("下下"):
            return monday + timedelta(days=14 + index)
        if prefix and prefix.startswith("下"):
            return monday + timedelta(days=7 + index)
        this_week = monday + timedelta(days=index)
        if prefix or this_week >= today:
            return this_week
        return this_week + timedelta(days=7)
    month_day = _MONTH_DAY.search(text)
    if month_day:
        month, day = chinese_number(month_day.group(2)), chinese_number(month_day.group(3))
        if month is None or day is None:
            return None
        if month_day.group(1):
            return _safe_date(int(month_day.group(1)), month, day)
        found = _safe_date(today.year, month, day)
        if found is not None and found < today - timedelta(days=180):
            return _safe_date(today.year + 1, month, day)
        return found
    relative = _RELATIVE_MONTH_DAY.search(text)
    if relative:
        day = chinese_number(relative.group(2))
        year, month = shift_month(today.year, today.month, _RELATIVE_MONTH_DELTA[relative.group(1)])
        return _safe_date(year, month, day) if day is not None else None
    day_only = _DAY_ONLY.search(text)
    if day_only:
        day = chinese_number(day_only.group(1))
        if day is None:
            return None
        found = _safe_date(today.year, today.month, day)
        if found is not None and found >= today:
            return found
        year, month = shift_month(today.year, today.month, 1)
        return _safe_date(year, month, day)
    return None


def resolve_time(text: str) -> tuple[str | None, str | None]:
    """(period, "HH:MM") a citizen means: "上午" → ("morning", None), "下午两点" →
    ("afternoon", "14:00"), "9点半" → ("morning", "09:30"). A bare hour from 1 to 6 is
    taken as the afternoon, as nobody books a clinic at two in the night."""
    clock = _CLOCK.search(text)
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            return None, None
        return (MORNING if hour < 12 else AFTERNOON), f"{hour:02d}:{minute:02d}"
    hour_match = _HOUR.search(text)
    if hour_match:
        word, number, fraction, minutes = hour_match.groups()
        hour = chinese_number(number)
        if hour is not None and hour <= 23:
            afternoon_word = word in ("下午", "晚上") and hour < 12
            small_hour = word in (None, "中午") and 1 <= hour <= 6
            if afternoon_word or small_hour:
                hour += 12
            minute = 30 if fraction == "半" else 15 if fraction == "一刻" else int(minutes) if minutes else 0
            if minute <= 59:
                return (MORNING if hour < 12 else AFTERNOON), f"{hour:02d}:{minute:02d}"
    for words, period in _PERIOD_WORDS:
        if any(word in text for word in words):
            return period, None
    return None, None


def day_label(day: date, today: date) -> str:
    """ "明天 11月25日（周三）": the relative word when there is one, then the date."""
    relative = {0: "今天", 1: "明天", 2: "后天"}.get((day - today).days)
    year = "" if day.year == today.year else f"{day.year}年"
    label = f"{year}{day.month}月{day.day}日（{WEEKDAY_LABELS[day.weekday()]}）"
    return f"{relative} {label}" if relative else label


_HOURS_DAYS = re.compile(r"(?:周|星期)([一二三四五六日天])(?:至(?:周|星期)?([一二三四五六日天]))?")
_HOURS_SPAN = re.compile(r"(\d{1,2}:\d{2})\s*[-–~至]\s*(\d{1,2}:\d{2})")


def opening_spans(hours_text: str, day: date) -> list[tuple[str, str]]:
    """The opening spans of `day` in a published hours text ("周一至周五 9:00-17:00，周六
    9:00-12:00"), as zero-padded "HH:MM" pairs; empty when the text names no span that day."""
    spans: list[tuple[str, str]] = []
    first = last = None
    for part in re.split(r"[，,；;。]", hours_text):
        days = _HOURS_DAYS.search(part)
        if days:  # a part without days continues the days before it ("…8:00-11:30，13:30-17:00")
            first = _WEEKDAY_INDEX[days.group(1)]
            last = _WEEKDAY_INDEX[days.group(2)] if days.group(2) else first
        if first is not None and last is not None and first <= day.weekday() <= last:
            spans += [(opens.zfill(5), closes.zfill(5)) for opens, closes in _HOURS_SPAN.findall(part)]
    return spans
