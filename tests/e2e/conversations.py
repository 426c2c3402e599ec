"""What the citizen conversation suites (tests/e2e/test_citizen_round*.py) share: the city's
today, days a clinic opens, the demo citizens, and reading booking numbers, tickets and buttons
from replies and from the department's records."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx

from scripts.stack import Stack
from tests.e2e.chat import WebCitizen

BEIJING = timezone(timedelta(hours=8))
TICKET = re.compile(r"12345-\d{8}-\d{4}")
BOOKING_NO = re.compile(r"预约号：(\S+)")
ZHANG_PHONE, LI_PHONE = "13805310001", "13905310002"
WANG_OPENID, WANG_PHONE = (
    "oDemoWangJG000003",
    "13605310003",
)  # 王建国, a retiree: gas GZ20080123 27.60 overdue
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
DOUBLED = re.compile(r"(系统){2}|(的){2}|(了){2}")
"""A word said twice in a row in a reply ("12345热线工单系统系统繁忙")."""
LOGS = ("rasa", "actions")


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


def said_while_the_action_server_dies(stack: Stack, citizen: WebCitizen, message: str, write: str) -> str:
    """The reply to `message` when the action server is killed in the middle of the department
    `write` (a path, e.g. "/complaints/v1/tickets") the message makes: killed once the first
    attempt has failed, so arm a hanging fault first. The server is healthy again on return."""
    log = stack.log_dir / "actions.log"
    offset = log.stat().st_size
    with ThreadPoolExecutor(1) as pool:
        reply = pool.submit(citizen.say_text, message)
        while f"{write} failed (attempt 1)" not in _written_since(log, offset):
            assert not reply.done(), reply.result()
            time.sleep(0.05)
        stack.kill("actions")  # between the write's two attempts, both hanging
        said = reply.result()
    stack.wait_healthy("actions", 300)
    return said


def _written_since(log: Path, offset: int) -> str:
    with log.open("rb") as opened:
        opened.seek(offset)
        return opened.read().decode("utf-8", "replace")


def log_sizes(stack: Stack) -> dict[str, int]:
    """Where Rasa's and the action server's logs end now, to read what a conversation adds."""
    return {
        name: path.stat().st_size if (path := stack.log_dir / f"{name}.log").exists() else 0 for name in LOGS
    }


def errors_logged(stack: Stack, since: dict[str, int]) -> dict[str, list[str]]:
    """The ERROR lines each log got after `since` (first three of each), none when clean."""
    found: dict[str, list[str]] = {}
    for name in LOGS:
        path = stack.log_dir / f"{name}.log"
        if not path.exists():
            continue
        with path.open("rb") as log:
            log.seek(since.get(name, 0))
            written = log.read().decode("utf-8", "replace")
        errors = [line for line in written.splitlines() if " ERROR " in line or line.startswith("ERROR")]
        if errors:
            found[name] = errors[:3]
    return found


def assert_clean_conversation(stack: Stack, messages: tuple[str, ...]) -> None:
    """A new web citizen says `messages`: every reply has text without doubled words, and
    neither Rasa's nor the action server's log gets an ERROR line meanwhile."""
    before = log_sizes(stack)
    citizen = WebCitizen(stack.gateway_url)
    for message in messages:
        reply = citizen.say_text(message)
        assert reply.strip(), f"empty reply to {message!r}"
        assert not DOUBLED.search(reply), reply
    assert errors_logged(stack, before) == {}
