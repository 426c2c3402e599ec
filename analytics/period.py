"""The period a supervisor chooses: whole days of the city's calendar (UTC+8, one clock with
`common.time_words`), turned into the UTC instants the stored events and rows carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from common.time_words import CITY_TIMEZONE, city_today

DEFAULT_DAYS = 7
MAX_DAYS = 366


class PeriodError(ValueError):
    """A period a person can fix; the message is what the page shows."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    """Both city days included."""

    @classmethod
    def choose(cls, first: date | None, last: date | None, today: date | None = None) -> Period:
        """`last` defaults to today, `first` to the week up to `last`; refused when reversed,
        longer than a year or in the future."""
        today = today or city_today()
        last = last or today
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise PeriodError("开始日期不能晚于结束日期。")
        if last > today:
            raise PeriodError("结束日期不能晚于今天。")
        if (last - first).days + 1 > MAX_DAYS:
            raise PeriodError(f"一次最多查看{MAX_DAYS}天。")
        return cls(first, last)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), CITY_TIMEZONE).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: the first instant after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time(), CITY_TIMEZONE).astimezone(UTC)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def as_json(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "timezone": "UTC+8"}


def city_day(moment: datetime) -> date:
    return moment.astimezone(CITY_TIMEZONE).date()


def as_utc(value: datetime | str | float | None) -> datetime | None:
    """A stored time as an aware UTC datetime: SQLite hands back naive UTC datetimes (or their
    text), PostgreSQL aware ones, Rasa's events epoch seconds."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
