"""What the citizen conversation suites (tests/e2e/test_citizen_round*.py) share: the city's
today, days a clinic opens, the demo citizens, and reading booking numbers, tickets and buttons
from replies and from the department's records."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import httpx

from tests.e2e.chat import WebCitizen

BEIJING = timezone(timedelta(hours=8))
TICKET = re.compile(r"12345-\d{8}-\d{4}")
BOOKING_NO = re.compile(r"预约号：(\S+)")
ZHANG_PHONE, LI_PHONE = "13805310001", "13905310002"
WANG_OPENID = "oDemoWangJG000003"  # 王建国, a retiree: gas account GZ20080123, 27.60 overdue
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def today() -> date:
    return datetime.now(BEIJING).date()


def open_day(after: int = 1) -> date:
    """The `after`-th day from today (in the city) on which clinics open: never a Sunday."""
    day = today() + timedelta(days=after)
    return day if day.isoweekday() != 7 else day + timedelta(days=1)


def next_saturday() -> date:
    """The next Saturday after today, always inside the 7-day booking window."""
    return today() + timedelta(days=(5 - today().weekday()) % 7 or 7)


def day_words(day: date) -> str:
    return f"{day.month}月{day.day}号"


def booking_no(reply: str) -> str:
    found = BOOKING_NO.search(reply)
    assert found, reply
    return found.group(1)


def button_number(citizen: WebCitizen, message: str, title_part: str) -> tuple[str, str]:
    """Sends `message`; the number of the first button whose title contains `title_part`, as the
    citizen would type it, and the reply's text."""
    reply = citizen.say(message)
    titles = [button["title"] for item in reply for button in item.get("buttons", [])]
    text = "\n".join([item.get("text", "") for item in reply] + titles)
    numbers = [str(index) for index, title in enumerate(titles, start=1) if title_part in title]
    assert numbers, text
    return numbers[0], text


def stored_bookings(sandbox: httpx.Client, phone: str) -> dict[str, str]:
    items = sandbox.get("/appointments/v1/bookings", params={"phone": phone}).json()
    return {item["booking_no"]: item["status"] for item in items}


def tickets_of(sandbox: httpx.Client, phone: str) -> list[dict]:
    return sandbox.get("/complaints/v1/tickets", params={"phone": phone}).json()
