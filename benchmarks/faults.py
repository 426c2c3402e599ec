"""Fault drill: simulated citizens keep chatting while the processes of one freshly started stack
are killed one at a time, then a department stalls; what citizens were told is compared with
the departments' records.

    python -m benchmarks.faults [--citizens 3] [--max-seconds 420] [--model PATH]
                                [--gateway-workers 2 --redis-url redis://127.0.0.1:6379/5]
                                [--env DEPARTMENT_BREAKER_RESET_SECONDS=5 ...]
                                [--redis-url redis://127.0.0.1:6379/5 --env RASA_INSTANCES=2]

Load: a few threads over /api/chat on loopback, each a citizen doing a bill query, a hospital
booking or a 12345 complaint in turn; a citizen told "busy" repeats the same message (at most
three times, a second apart), as people do. Faults, each after the citizens were served again:
kill -9 of the action server, of the department sandbox, of Rasa (with RASA_INSTANCES=2: of
one of the two instances, which should leave no gap) and (with several gateway workers) of one
gateway worker, then the water company hanging (sandbox `/_faults`, mode
timeout) for STALL_SECONDS.

Per fault: when the process answered its health check again, when a citizen was served again
(a new citizen's bill query, asked every quarter second from the kill on, answered with the
bill), and what every citizen message in the
window got: a normal answer, a polite busy answer, an empty reply, or an error (not 200).
At the end each booking and complaint the citizens were told about is looked up in the sandbox
by the citizen's phone: lost (confirmed, not recorded), doubled (recorded twice) and recorded
without the citizen being told.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import httpx

from benchmarks.report import markdown_table, write_report
from common.text_normalization import normalize_message
from scripts.stack import Stack

BILL_QUERY = "查水费 3100012345"
BILL_ANSWER = "86.40"
BUSY_WORDS = ("稍后再试", "系统正忙", "系统繁忙")
BEIJING = timezone(timedelta(hours=8))
TARGETS = {
    "actions": 15.0,
    "sandbox": 5.0,
    "rasa": 60.0,
    # With RASA_INSTANCES=2 the other instance takes the conversations at once: no gap.
    "one of two Rasa instances": 1.0,
    "gateway worker": 15.0,
    "water stalls": 35.0,
}
STALL_SECONDS = 15.0
# How long the drill waits for citizens to be served again after a fault: long enough to see a
# department's circuit breaker close again (DEPARTMENT_BREAKER_RESET_SECONDS, 5 s by default).
SERVED_LIMIT_SECONDS = 90.0
SETTLE_SECONDS = 5.0
BOOKING_NO = re.compile(r"预约号：(\S+)")
TICKET_NO = re.compile(r"12345-\d{8}-\d{4}")


def classify(status: int, messages: list[dict] | None) -> str:
    """normal, busy (a polite "try later"), empty (200 with nothing to read) or error."""
    if status != 200 or messages is None:
        return "error"
    if not any(item.get("text") or item.get("buttons") for item in messages):
        return "empty"
    joined = "\n".join(item.get("text") or "" for item in messages)
    return "busy" if any(word in joined for word in BUSY_WORDS) else "normal"


@dataclass
class Outcome:
    at: float
    kind: str
    seconds: float


@dataclass
class Ledger:
    """Everything the citizens were told, shared by the threads."""

    outcomes: list[Outcome] = field(default_factory=list)
    bookings_told: dict[str, str] = field(default_factory=dict)  # phone -> booking number
    bookings_tried: set[str] = field(default_factory=set)
    tickets_told: dict[str, str] = field(default_factory=dict)  # phone -> ticket id
    tickets_tried: set[str] = field(default_factory=set)
    scenarios: Counter[str] = field(default_factory=Counter)
    abandoned: Counter[str] = field(default_factory=Counter)  # why a scenario ended early
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.outcomes.append(Outcome(time.monotonic(), kind, seconds))


class SimulatedCitizen:
    def __init__(self, gateway_url: str, ledger: Ledger, http: httpx.Client) -> None:
        self.sender = f"drill-{uuid.uuid4().hex[:12]}"
        self._url = f"{gateway_url}/api/chat"
        self._ledger = ledger
        self._http = http

    def say(self, message: str, retries: int = 3) -> str | None:
        """The reply text, or None when the citizen gave up (still busy, empty, an error)."""
        for attempt in range(retries + 1):
            started = time.monotonic()
            try:
                response = self._http.post(self._url, json={"sender": self.sender, "message": message})
                status = response.status_code
                messages = response.json().get("messages") if status == 200 else None
            except (httpx.HTTPError, ValueError):
                status, messages = 0, None
            kind = classify(status, messages)
            self._ledger.record(kind, time.monotonic() - started)
            if kind == "normal":
                return "\n".join(
                    [item.get("text") or "" for item in messages or []]
                    + [button["title"] for item in messages or [] for button in item.get("buttons", [])]
                )
            if attempt < retries:
                time.sleep(1.0)
        return None


def _phone() -> str:
    return "139" + f"{random.randrange(10**8):08d}"


def _booking_day() -> date:
    day = datetime.now(BEIJING).date() + timedelta(days=random.randint(1, 6))
    return day if day.isoweekday() != 7 else day + timedelta(days=1)


def bill_query(citizen: SimulatedCitizen, ledger: Ledger) -> None:
    citizen.say(BILL_QUERY)


def booking(citizen: SimulatedCitizen, ledger: Ledger) -> None:
    phone = _phone()
    day = _booking_day()
    hour = random.choice([9, 10, 14, 15, 16])
    half = "上午" if hour < 12 else "下午"
    spoken = hour if hour < 12 else hour - 12
    with ledger.lock:
        ledger.bookings_tried.add(phone)
    confirm = citizen.say(
        f"帮我约{day.month}月{day.day}号{half}{spoken}点市立医院内科，我叫李明，电话{phone}"
    )
    if not confirm or "请确认预约" not in confirm:
        give_up(citizen, ledger, "booking", confirm, "slot not free")
        return
    booked = citizen.say("1")
    found = BOOKING_NO.search(booked or "")
    if booked and "预约成功" in booked and found:
        with ledger.lock:
            ledger.bookings_told[phone] = found.group(1)


def give_up(citizen: SimulatedCitizen, ledger: Ledger, form: str, reply: str | None, reason: str) -> None:
    """Counts why a citizen abandoned a form (no answer at all counts as busy) and stops it."""
    with ledger.lock:
        ledger.abandoned[f"{form}: gave up while busy" if reply is None else f"{form}: {reason}"] += 1
    citizen.say("算了", retries=1)


def complaint(citizen: SimulatedCitizen, ledger: Ledger) -> None:
    phone = _phone()
    with ledger.lock:
        ledger.tickets_tried.add(phone)
    steps = [("楼下烧烤店油烟太大了", "哪里"), ("环翠区文化中路88号", "手机号"), (phone, "对吗")]
    for message, expected in steps:
        reply = citizen.say(message)
        if not reply or expected not in reply:
            give_up(citizen, ledger, "complaint", reply, "unexpected turn")
            return
    filed = citizen.say("1")
    found = TICKET_NO.search(filed or "")
    if filed and "已受理" in filed and found:
        with ledger.lock:
            ledger.tickets_told[phone] = found.group(0)


SCENARIOS = [("bill query", bill_query), ("booking", booking), ("complaint", complaint)]


def citizens_load(
    stack: Stack, ledger: Ledger, stop: threading.Event, index: int, max_scenarios: int
) -> None:
    with httpx.Client(timeout=30) as http:
        for turn in range(max_scenarios):
            if stop.is_set():
                return
            name, scenario = SCENARIOS[(turn + index) % len(SCENARIOS)]
            scenario(SimulatedCitizen(stack.gateway_url, ledger, http), ledger)
            with ledger.lock:
                ledger.scenarios[name] += 1
            time.sleep(0.2)


def served_again(stack: Stack, since: float, limit: float) -> float | None:
    """Seconds from `since` until a new citizen's bill query is answered with the bill."""
    with httpx.Client(timeout=15) as http:
        while time.monotonic() - since < limit:
            try:
                response = http.post(
                    f"{stack.gateway_url}/api/chat",
                    json={"sender": f"probe-{uuid.uuid4().hex[:8]}", "message": BILL_QUERY},
                )
                if response.status_code == 200 and BILL_ANSWER in str(response.json()):
                    return time.monotonic() - since
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.25)
    return None


def process_back(stack: Stack, name: str, since: float, limit: float) -> float | None:
    while time.monotonic() - since < limit:
        if stack.is_healthy(name):
            return time.monotonic() - since
        time.sleep(0.1)
    return None


@dataclass
class FaultResult:
    name: str
    started: float
    ended: float = 0.0
    process_seconds: float | None = None
    served_seconds: float | None = None


def measure_served(stack: Stack, result: FaultResult, limit: float) -> None:
    result.served_seconds = served_again(stack, result.started, limit)


def run_faults(stack: Stack, gateway_workers: int, deadline: float) -> list[FaultResult]:
    results = []
    rasa_label = "rasa" if len(stack.rasa_urls) == 1 else "one of two Rasa instances"
    kills = [("actions", "actions"), ("sandbox", "sandbox"), (rasa_label, "rasa")]
    if gateway_workers > 1:
        kills.append(("gateway worker", "gateway"))
    for label, program in kills:
        remaining = deadline - time.monotonic()
        # A killed Rasa instance is waited for as long as a lone Rasa would be: its citizens are
        # served by the other meanwhile, and the window shows whether its start slowed them.
        limit = max(10.0, min(TARGETS["rasa" if program == "rasa" else label] * 3, remaining))
        served_limit = max(10.0, min(SERVED_LIMIT_SECONDS, remaining))
        result = FaultResult(label, time.monotonic())
        if label == "gateway worker":
            os.kill(stack.workers("gateway")[0], signal.SIGKILL)
        else:
            stack.kill(program)
        # A new citizen asks from the kill on, while the process is coming back, not after.
        served = threading.Thread(target=measure_served, args=(stack, result, served_limit))
        served.start()
        time.sleep(0.3)  # let the death be noticed before the health checks
        result.process_seconds = process_back(stack, program, result.started, limit)
        served.join()
        time.sleep(SETTLE_SECONDS)
        result.ended = time.monotonic()
        results.append(result)
    # A department that hangs: every water-company call waits until the client's timeout.
    result = FaultResult("water stalls", time.monotonic())
    with stack.sandbox_client() as sandbox:
        sandbox.post("/_faults/utility", json={"mode": "timeout", "delay_seconds": 60}).raise_for_status()
        time.sleep(STALL_SECONDS)
        sandbox.delete("/_faults").raise_for_status()
    disarmed = time.monotonic()
    served = served_again(stack, disarmed, max(10.0, deadline - time.monotonic()))
    result.process_seconds = STALL_SECONDS
    result.served_seconds = None if served is None else STALL_SECONDS + served
    time.sleep(SETTLE_SECONDS)
    result.ended = time.monotonic()
    results.append(result)
    return results


def reconcile(stack: Stack, ledger: Ledger) -> dict[str, dict[str, int]]:
    """What citizens were told against the departments' records, phone by phone."""
    summary: dict[str, dict[str, int]] = {}
    with stack.sandbox_client() as http:
        for kind, tried, told, path, key in [
            (
                "bookings",
                ledger.bookings_tried,
                ledger.bookings_told,
                "/appointments/v1/bookings",
                "booking_no",
            ),
            ("complaints", ledger.tickets_tried, ledger.tickets_told, "/complaints/v1/tickets", "ticket_id"),
        ]:
            counts = Counter(attempted=len(tried), confirmed=len(told))
            for phone in tried:
                records = http.get(path, params={"phone": phone}).raise_for_status().json()
                if kind == "bookings":
                    records = [record for record in records if record.get("status") == "booked"]
                numbers = {record[key] for record in records}
                counts["recorded"] += len(records)
                if phone in told and told[phone] not in numbers:
                    counts["lost"] += 1
                if len(records) > 1:
                    counts["doubled"] += len(records) - 1
                if records and phone not in told:
                    counts["recorded, citizen not told"] += 1
            summary[kind] = dict(counts)
    return summary


def recorded_user_texts(stack: Stack, sender: str) -> list[str]:
    """One conversation's user messages as Rasa's tracker store holds them, in Rasa's order
    (`sender` as Rasa knows it: `web:...`, `wechat:...`; Rasa's route does not decode a
    quoted colon)."""
    token = stack.env.get("RASA_AUTH_TOKEN", "")
    response = httpx.get(
        f"{stack.rasa_urls[0]}/conversations/{quote(sender, safe=':')}/tracker",
        params={"include_events": "ALL", **({"token": token} if token else {})},
        timeout=30,
    )
    response.raise_for_status()
    events = response.json().get("events") or []
    return [event.get("text") or "" for event in events if event.get("event") == "user"]


def conversation_order(stack: Stack, sent: Mapping[str, Sequence[str]]) -> Counter[str]:
    """What citizens sent (Rasa sender -> texts in the order sent) against what Rasa recorded:
    messages lost (sent, never recorded) and doubled (a sent text recorded more often than it
    was sent), and conversations recorded as sent ("in order") or with the same messages in
    another order ("out of order"). The gateway normalises typed text, and turns a numbered
    choice or a button's title typed out into the offered button's payload: a recorded text
    the citizen never sent stands for one that was sent."""
    counts: Counter[str] = Counter()
    for sender, texts in sent.items():
        expected = [normalize_message(text.strip()) for text in texts]
        recorded = recorded_user_texts(stack, sender)
        want, got = Counter(expected), Counter(recorded)
        replaced = sum(n for text, n in got.items() if text not in want)
        lost = max(0, sum((want - got).values()) - replaced)
        doubled = sum(max(0, got[text] - n) for text, n in want.items())
        counts["conversations"] += 1
        counts["messages"] += len(expected)
        counts["lost"] += lost
        counts["doubled"] += doubled
        if len(recorded) == len(expected) and all(
            mine == theirs or mine not in want for mine, theirs in zip(recorded, expected, strict=True)
        ):
            counts["in order"] += 1
        elif lost == doubled == 0:
            counts["out of order"] += 1
    return counts


def order_summary(counts: Counter[str]) -> str:
    return (
        f"{counts['messages']} messages in {counts['conversations']} conversations as Rasa recorded "
        f"them: {counts['in order']} conversations in order, {counts['out of order']} out of order; "
        f"{counts['lost']} messages lost, {counts['doubled']} doubled"
    )


def _seconds(value: float | None) -> str:
    return "not within the drill" if value is None else f"{value:.1f}"


def drill(
    stack: Stack, citizens: int, max_seconds: float, gateway_workers: int, extra_settings: list[str]
) -> str:
    ledger = Ledger()
    stop = threading.Event()
    started = time.monotonic()
    deadline = started + max_seconds
    threads = [
        threading.Thread(target=citizens_load, args=(stack, ledger, stop, index, 10_000), daemon=True)
        for index in range(citizens)
    ]
    for thread in threads:
        thread.start()
    time.sleep(10)  # the baseline
    baseline_end = time.monotonic()
    try:
        results = run_faults(stack, gateway_workers, deadline)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    rows = []
    windows = [("baseline (no fault)", started, baseline_end, None, None, None)]
    windows += [
        (r.name, r.started, r.ended, r.process_seconds, r.served_seconds, TARGETS[r.name]) for r in results
    ]
    windows[-1] = (*windows[-1][:2], time.monotonic() + 1, *windows[-1][3:])
    for name, begin, end, process_seconds, served_seconds, target in windows:
        outcomes = [item for item in ledger.outcomes if begin <= item.at < end]
        counts = Counter(item.kind for item in outcomes)
        slowest = max((item.seconds for item in outcomes), default=0.0)
        rows.append(
            [
                name,
                "" if target is None else f"{target:.0f}",
                "" if target is None else _seconds(process_seconds),
                "" if target is None else _seconds(served_seconds),
                str(len(outcomes)),
                str(counts["normal"]),
                str(counts["busy"]),
                str(counts["empty"]),
                str(counts["error"]),
                f"{slowest:.1f}",
            ]
        )
    header = [
        "fault",
        "target s",
        "process back s",
        "citizens served again s",
        "messages",
        "normal",
        "busy (polite)",
        "empty",
        "errors",
        "slowest reply s",
    ]
    records = reconcile(stack, ledger)
    record_rows = [
        [kind, *(str(counts.get(column, 0)) for column in RECORD_COLUMNS)] for kind, counts in records.items()
    ]
    totals = Counter(item.kind for item in ledger.outcomes)
    settings_note = "".join(f"; {name}={stack.env[name]}" for name in sorted(extra_settings))
    return (
        f"{citizens} simulated citizens over /api/chat (loopback), {sum(ledger.scenarios.values())} "
        f"scenarios ({', '.join(f'{n} {k}' for k, n in sorted(ledger.scenarios.items()))}), "
        f"{len(ledger.outcomes)} messages in {time.monotonic() - started:.0f} s; gateway workers: "
        f"{gateway_workers}{settings_note}. A citizen told busy repeats the message up to three times.\n\n"
        f"{markdown_table(header, rows)}\n\n"
        "Process back: seconds from the kill (the start of the stall) until the process answered "
        "its health check. Citizens served again: until a new citizen's bill query got the bill "
        "(for the stall: from its start, the stall lasting "
        f"{STALL_SECONDS:.0f} s). Messages are counted in the window from one fault to the next.\n\n"
        f"Over the whole drill: {totals['normal']} normal, {totals['busy']} busy, "
        f"{totals['empty']} empty, {totals['error']} errors.\n\n"
        f"{markdown_table(['records', *RECORD_COLUMNS], record_rows)}\n\n"
        "Attempted: citizens who started one; confirmed: told 预约成功/已受理 with its number; "
        "recorded: in the department's records for the citizen's phone; lost: confirmed but not "
        "recorded; doubled: recorded more than once. Scenarios ended early: "
        + (", ".join(f"{reason} {n}" for reason, n in sorted(ledger.abandoned.items())) or "none")
        + "."
    )


RECORD_COLUMNS = ["attempted", "confirmed", "recorded", "lost", "doubled", "recorded, citizen not told"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--citizens", type=int, default=3, help="simulated citizens (threads)")
    parser.add_argument("--max-seconds", type=float, default=420, help="bound of the faults phase")
    parser.add_argument("--gateway-workers", type=int, default=1)
    parser.add_argument("--redis-url", default="", help="needed for more than one gateway worker")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the stack (repeatable)",
    )
    parser.add_argument(
        "--model", type=Path, help="a trained model to serve (default: train or reuse the cached one)"
    )
    args = parser.parse_args(argv)
    extra = {"LOG_LEVEL": "WARNING", "SANDBOX_FAULTS_ENABLED": "true"}
    if args.gateway_workers > 1:
        extra.update(
            GATEWAY_WORKERS=str(args.gateway_workers),
            REDIS_URL=args.redis_url,
            AGENT_SESSION_SECRET=uuid.uuid4().hex * 2,
        )
    extra.update(item.split("=", 1) for item in args.env)
    with tempfile.TemporaryDirectory() as state_dir:
        stack = Stack.on_free_ports(Path(state_dir), **extra)
        stack.start(args.model)
        try:
            names = [item.split("=", 1)[0] for item in args.env]
            body = drill(stack, args.citizens, args.max_seconds, args.gateway_workers, names)
        finally:
            stack.stop()
    write_report("faults", "Fault drill: kill -9 of each process, a stalled department", body)


if __name__ == "__main__":
    main()
