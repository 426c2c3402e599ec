"""Load benchmark: citizens writing at once to one freshly started stack, over the web chat
(`/api/chat`) and WeChat safe mode, with the same messages on Rasa's bare REST webhook in the
same run as the baseline.

    python -m benchmarks.load [--quick] [--model PATH] [--env ACTION_SERVER_WORKERS=2 ...]

Scenarios (closed loop: each simulated citizen sends its next message when the last is
answered; a new conversation per message unless the scenario says otherwise):
  unloaded greeting / unloaded bill query: one citizen at a time, the bare webhook and
  /api/chat taking turns message by message (so the machine's drift weighs on both alike);
  20 concurrent mixed, side by side: the mixed errands below, ten citizens on the bare webhook
  and ten on /api/chat at the same time (the gateway's overhead on the same load);
  16 concurrent greetings / 16 concurrent bill queries;
  20 concurrent mixed: greetings, bill queries (new citizens giving the account, returning ones
  whose account is remembered), service guides, FAQ questions, complaint and booking forms
  turn by turn; over /api/chat, WeChat and the bare webhook.
On the bare webhook a numbered choice ("1") is sent as the offered button's payload, which is
what the gateway does for the citizen.

Reported: throughput, p50/p95/p99 per intent, errors (not 200, nothing to read, or the polite
busy answer), the share of WeChat passive replies inside 4 s, CPU seconds per message and
memory (RSS, PSS) of each process, cold start, and the targets of issue 18.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import Any, Protocol

import httpx
import psutil

from benchmarks.faults import classify, conversation_order, order_summary
from benchmarks.load_report import (
    BARE,
    CHAT,
    PROCESSES,
    SIDE_BY_SIDE,
    WECHAT,
    WECHAT_LIMIT_SECONDS,
    Result,
    Sample,
    report,
)
from benchmarks.report import percentile, write_report
from bot.agent_auth import hash_password
from common.time_words import city_today
from integrations.wechat.fake_api import FakeWeChatApi
from integrations.wechat.simulator import WeChatSimulator
from scripts.stack import RASA_BIN, Stack
from scripts.train import ensure_model
from tests.servers import serve

BILL_ANSWER = "86.40"
DEFERRED_WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class Turn:
    intent: str
    text: str


GREETING = Turn("greeting", "你好")
BILL_QUERY = Turn("bill query", "查水费户号3100012345")
# The concurrent scenarios vary the wording as citizens do (Rasa reuses what it predicted for a
# text it has seen, rasa_components/prediction_cache.py, so one text repeated would flatter it).
GREETINGS = tuple(
    Turn("greeting", text)
    for text in (
        "你好",
        "您好",
        "你好呀",
        "在吗",
        "您好，在吗",
        "你好啊",
        "早上好",
        "喂，你好",
        "哈喽",
        "你好，请问一下",
    )
)
_BILL_WORDS = {"water": "水费", "electricity": "电费", "gas": "燃气费"}
_BILL_ACCOUNTS = (
    ("water", "3100012345"),
    ("electricity", "0531880001"),
    ("gas", "GZ20080077"),
    ("water", "3100067890"),
    ("electricity", "0531880002"),
    ("gas", "GZ20080123"),
)
BILL_QUERIES = tuple(
    Turn("bill query", template.format(bill=_BILL_WORDS[kind], account=account))
    for template in (
        "查{bill}户号{account}",
        "帮我查一下{bill}，户号{account}",
        "{account}这个户号{bill}多少",
        "我想查{bill} {account}",
    )
    for kind, account in _BILL_ACCOUNTS
)


@dataclass(frozen=True)
class Script:
    """One citizen's errand, turn by turn. `returning`: sent by the worker's own citizen, who
    has talked before (its water account is remembered); otherwise by a new citizen."""

    turns: tuple[Turn, ...]
    returning: bool = False


def mixed_scripts(worker: int) -> list[Script]:
    """The mixed load's errands; bookings spread over days and hours so they do not all want
    one slot. Deterministic for a given worker and day."""
    day = city_today() + timedelta(days=1 + worker % 3)
    if day.isoweekday() == 7:  # clinics are closed on Sundays
        day += timedelta(days=1)
    hour = (9, 10, 11, 14, 15, 16)[worker % 6]
    when = f"{day.month}月{day.day}号{'上午' if hour < 12 else '下午'}{hour if hour < 12 else hour - 12}点"
    return [
        Script((GREETING, BILL_QUERY)),
        Script((Turn("guide", "护照怎么办"), Turn("guide", "要多少钱"))),
        Script((Turn("faq", "中考什么时候报名"),)),
        Script(
            (
                Turn("complaint form", "楼下烧烤店油烟太大了"),
                Turn("complaint form", "环翠区文化中路88号"),
                Turn("complaint form", "1"),
                Turn("complaint form", "1"),
            )
        ),
        Script((GREETING, Turn("returning bill query", "查水费")), returning=True),
        Script(
            (
                Turn("booking form", f"帮我约{when}市立医院内科，我叫李明，电话139{worker:08d}"),
                Turn("booking form", "1"),
            )
        ),
        Script((Turn("faq", "怎么查房子对应哪个学区"), Turn("thanks", "谢谢"))),
    ]


class Channel(Protocol):
    name: str

    async def send(self, sender: str, text: str) -> Sample: ...


def _joined(messages: Sequence[dict[str, Any]]) -> str:
    return "\n".join(item.get("text") or "" for item in messages)


class ChatChannel:
    name = CHAT

    def __init__(self, http: httpx.AsyncClient, gateway_url: str, sent: dict[str, list[str]]) -> None:
        self._http, self._url = http, f"{gateway_url}/api/chat"
        self._sent = sent  # Rasa's sender -> what it was sent, for the order check

    async def send(self, sender: str, text: str) -> Sample:
        self._sent.setdefault(f"web:{sender}", []).append(text)
        started = time.perf_counter()
        response = await self._http.post(self._url, json={"sender": sender, "message": text})
        seconds = time.perf_counter() - started
        messages = response.json().get("messages") if response.status_code == 200 else None
        kind = classify(response.status_code, messages)
        return Sample("", seconds, kind, text=_joined(messages or []))


class RasaChannel:
    """Rasa's REST webhook without the gateway; numbered choices become the offered payload."""

    name = BARE

    def __init__(self, http: httpx.AsyncClient, rasa_url: str) -> None:
        self._http, self._url = http, f"{rasa_url}/webhooks/rest/webhook"
        self._offered: dict[str, list[str]] = {}

    async def send(self, sender: str, text: str) -> Sample:
        offered = self._offered.get(sender, [])
        if text.isdigit() and 0 < int(text) <= len(offered):
            text = offered[int(text) - 1]
        started = time.perf_counter()
        response = await self._http.post(self._url, json={"sender": sender, "message": text})
        seconds = time.perf_counter() - started
        messages = response.json() if response.status_code == 200 else None
        buttons = [b["payload"] for item in messages or [] for b in item.get("buttons", [])]
        self._offered[sender] = buttons
        return Sample("", seconds, classify(response.status_code, messages), text=_joined(messages or []))


class WeChatChannel:
    """A deferred answer (`success` now, the text later through the customer-service API) is
    waited for before the citizen writes again, as a person would; its latency is until it
    arrived, and it does not count as a passive reply."""

    name = WECHAT

    def __init__(
        self, simulator: WeChatSimulator, platform: FakeWeChatApi, sent: dict[str, list[str]]
    ) -> None:
        self._wechat, self._platform = simulator, platform
        self._sent = sent

    async def send(self, sender: str, text: str) -> Sample:
        self._sent.setdefault(f"wechat:{sender}", []).append(text)
        delivered = len(self._platform.texts_to(sender))
        started = time.perf_counter()
        reply = await self._wechat.push(self._wechat.text(sender, text))
        if reply.status_code != 200:
            return Sample("", time.perf_counter() - started, "error", passive=False)
        if reply.text is not None:
            seconds = time.perf_counter() - started
            return Sample("", seconds, classify(200, [{"text": reply.text}]), text=reply.text)
        while time.perf_counter() - started < DEFERRED_WAIT_SECONDS:
            texts = self._platform.texts_to(sender)
            if len(texts) > delivered:
                seconds = time.perf_counter() - started
                return Sample(
                    "", seconds, classify(200, [{"text": texts[-1]}]), passive=False, text=texts[-1]
                )
            await asyncio.sleep(0.05)
        return Sample("", time.perf_counter() - started, "error", passive=False)


_senders = count()
RUN_ID = secrets.token_hex(3)


def new_sender() -> str:
    """Unique per run; shaped like a WeChat openid so every channel accepts it."""
    return f"oLoad{RUN_ID}{next(_senders):013d}"


Jobs = Callable[[int], list[tuple[str, Turn]]]


def varied(turns: Sequence[Turn], per_worker: int) -> Jobs:
    """Each message from a new citizen, the wordings taken in turn across all workers."""
    return lambda worker: [
        (new_sender(), turns[(worker * per_worker + index) % len(turns)]) for index in range(per_worker)
    ]


def mixed(rounds: int) -> Jobs:
    def jobs(worker: int) -> list[tuple[str, Turn]]:
        own = new_sender()
        scripts = mixed_scripts(worker)
        chosen = [scripts[(worker + index) % len(scripts)] for index in range(rounds)]
        pairs: list[tuple[str, Turn]] = []
        for script in chosen:
            sender = own if script.returning else new_sender()
            pairs += [(sender, turn) for turn in script.turns]
        return pairs

    return jobs


@dataclass
class Meter:
    """CPU seconds and memory of each stack process with its workers, and of this process."""

    stack: Stack
    processes: dict[str, psutil.Process] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.processes = {name: psutil.Process(self.stack.pid(name)) for name in PROCESSES}

    def _tree(self, name: str) -> list[psutil.Process]:
        main = self.processes[name]
        return [main, *main.children(recursive=True)]

    def cpu(self) -> dict[str, float]:
        seconds = {}
        for name in PROCESSES:
            times = [p.cpu_times() for p in self._tree(name)]
            seconds[name] = sum(t.user + t.system for t in times)
        own = psutil.Process().cpu_times()
        seconds["load generator"] = own.user + own.system
        return seconds

    def memory(self) -> dict[str, tuple[float, float]]:
        """Per process tree: RSS (counts pages shared by forked workers in each) and PSS (shares
        them out), in MB; the stack's other programs (notices, retention...) and supervisord
        itself in one more row, so that the rows add up to all the stack holds."""
        result = {name: _megabytes(self._tree(name)) for name in PROCESSES}
        supervisor = self.stack.rpc().supervisor
        others = {info["name"]: info["pid"] for info in supervisor.getAllProcessInfo() if info["pid"]}
        other_processes = [psutil.Process(supervisor.getPID())]
        for name, pid in sorted(others.items()):
            if name not in PROCESSES:
                main = psutil.Process(pid)
                other_processes += [main, *main.children(recursive=True)]
        label = ", ".join([*(name for name in sorted(others) if name not in PROCESSES), "supervisord"])
        result[label] = _megabytes(other_processes)
        return result


def _megabytes(processes: list[psutil.Process]) -> tuple[float, float]:
    infos = [process.memory_full_info() for process in processes]
    return sum(i.rss for i in infos) / 2**20, sum(i.pss for i in infos) / 2**20


async def run_alternating(
    meter: Meter, scenario: str, channels: Sequence[Channel], jobs: Jobs
) -> list[Result]:
    """One message at a time, the channels taking turns message by message, each message's CPU
    counted to its own channel. Run one channel's whole series after the other's, a minute of
    the machine running a little faster or slower (another program waking) decided the ratio of
    two medians 2 ms apart: runs of the same code gave 0.97x to 1.6x."""
    samples: dict[str, list[Sample]] = {channel.name: [] for channel in channels}
    seconds = dict.fromkeys(samples, 0.0)
    cpu: dict[str, Counter[str]] = {name: Counter() for name in samples}
    for sender, turn in jobs(0):
        for channel in channels:
            before = meter.cpu()
            sample = await channel.send(sender, turn.text)
            after = meter.cpu()
            sample.intent = turn.intent
            samples[channel.name].append(sample)
            seconds[channel.name] += sample.seconds
            cpu[channel.name].update({name: after[name] - before[name] for name in after})
    results = [
        Result(
            scenario, channel.name, 1, seconds[channel.name], samples[channel.name], dict(cpu[channel.name])
        )
        for channel in channels
    ]
    for result in results:
        _print_result(result)
    return results


async def run_concurrent(
    meter: Meter, scenario: str, channels: Sequence[Channel], workers: int, jobs: Jobs
) -> list[Result]:
    """`workers` citizens at once, taking the channels in turn (citizen i on channel i mod n):
    with several channels, every channel meets the same load at the same moments (side by side).
    The run's CPU is shared out by messages."""
    samples: dict[str, list[Sample]] = {channel.name: [] for channel in channels}

    async def citizen(worker: int) -> None:
        channel = channels[worker % len(channels)]
        for sender, turn in jobs(worker):
            sample = await channel.send(sender, turn.text)
            sample.intent = turn.intent
            samples[channel.name].append(sample)

    before = meter.cpu()
    started = time.perf_counter()
    await asyncio.gather(*(citizen(worker) for worker in range(workers)))
    elapsed = time.perf_counter() - started
    after = meter.cpu()
    total = sum(len(found) for found in samples.values())
    results = [
        Result(
            scenario,
            channel.name,
            workers,
            elapsed,
            samples[channel.name],
            {name: (after[name] - before[name]) * len(samples[channel.name]) / total for name in after},
        )
        for channel in channels
    ]
    for result in results:
        _print_result(result)
    return results


def _print_result(result: Result) -> None:
    print(
        f"{result.scenario:<26} {result.channel:<10} {len(result.samples):>4} msgs {result.throughput:6.1f}/s "
        f"p50 {percentile(result.latencies(), 0.5) * 1000:6.0f} ms "
        f"p95 {percentile(result.latencies(), 0.95) * 1000:6.0f} ms errors {result.errors()}",
        flush=True,
    )


@dataclass(frozen=True)
class Sizes:
    unloaded: int  # messages one at a time
    per_worker: int  # messages per concurrent citizen
    rounds: int  # errands per citizen of the mixed load


FULL = Sizes(unloaded=100, per_worker=10, rounds=7)
QUICK = Sizes(unloaded=30, per_worker=3, rounds=3)


async def _warm_up(chat: ChatChannel, rasa: RasaChannel) -> None:
    """Rasa's first predictions build TensorFlow's graphs; the bill query must really answer."""
    for channel in (chat, rasa):
        for turn in (GREETING, BILL_QUERY, GREETING, BILL_QUERY):
            sample = await channel.send(new_sender(), turn.text)
        if BILL_ANSWER not in sample.text:
            raise RuntimeError(f"{channel.name}: the bill query did not answer the bill: {sample.text!r}")


async def measure(
    stack: Stack, sizes: Sizes, wechat_env: dict[str, str], platform: FakeWeChatApi, meter: Meter
) -> tuple[list[Result], Counter[str]]:
    """The scenarios' results, and every web chat and WeChat conversation as Rasa recorded it
    against what was sent (benchmarks.faults.conversation_order: lost, doubled, out of order)."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    wechat = WeChatSimulator(
        f"{stack.gateway_url}/wechat",
        wechat_env["WECHAT_TOKEN"],
        wechat_env["WECHAT_APP_ID"],
        wechat_env["WECHAT_ENCODING_AES_KEY"],
        timeout_seconds=60,
    )
    async with httpx.AsyncClient(timeout=60, limits=limits) as http, wechat:
        sent: dict[str, list[str]] = {}
        chat, rasa = ChatChannel(http, stack.gateway_url, sent), RasaChannel(http, stack.env["RASA_URL"])
        await _warm_up(chat, rasa)
        unloaded = [
            result
            for scenario, turns in (("unloaded greeting", GREETINGS), ("unloaded bill query", BILL_QUERIES))
            for result in await run_alternating(meter, scenario, (rasa, chat), varied(turns, sizes.unloaded))
        ]
        plan: list[tuple[str, Sequence[Channel], int, Jobs]] = [
            ("16 concurrent greetings", (rasa, chat), 16, varied(GREETINGS, sizes.per_worker)),
            ("16 concurrent bill queries", (rasa, chat), 16, varied(BILL_QUERIES, sizes.per_worker)),
            (
                "20 concurrent mixed",
                (rasa, chat, WeChatChannel(wechat, platform, sent)),
                20,
                mixed(sizes.rounds),
            ),
        ]
        side_by_side = await run_concurrent(meter, SIDE_BY_SIDE, (rasa, chat), 20, mixed(sizes.rounds))
        results = (
            unloaded
            + side_by_side
            + [
                (await run_concurrent(meter, scenario, (channel,), workers, jobs))[0]
                for scenario, channels, workers, jobs in plan
                for channel in channels
            ]
        )
        return results, await asyncio.to_thread(conversation_order, stack, sent)


def run_settings() -> dict[str, str]:
    """A WeChat account made for this run, in safe mode, answering passively within 4 s."""
    return {
        "WECHAT_TOKEN": secrets.token_hex(16),
        "WECHAT_APP_ID": "wx" + secrets.token_hex(8),
        "WECHAT_APP_SECRET": secrets.token_hex(16),
        "WECHAT_ENCODING_AES_KEY": base64.b64encode(os.urandom(32)).decode().rstrip("="),
        "WECHAT_REPLY_DEADLINE_SECONDS": str(WECHAT_LIMIT_SECONDS),
        # A hotline agent, as a city deploys: every message then also goes through the handoff
        # desk (is an agent handling this chat? the transcript an agent would see).
        "AGENT_USERS": f"bench:{hash_password(secrets.token_urlsafe(12))}",
    }


def _shown(name: str, value: str) -> str:
    """A setting as the report names it; secrets are only said to be set."""
    secret = any(word in name for word in ("SECRET", "TOKEN", "PASSWORD", "KEY")) or "@" in value
    return f"{name} set" if secret else f"{name}={value}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer messages per scenario (about a minute)")
    parser.add_argument("--model", type=Path, help="a trained model (default: train or reuse the cached one)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the stack (repeatable)",
    )
    args = parser.parse_args(argv)
    model = args.model or ensure_model(RASA_BIN)
    extra = dict(item.split("=", 1) for item in args.env)
    wechat = run_settings()
    platform = FakeWeChatApi(wechat["WECHAT_APP_ID"], wechat["WECHAT_APP_SECRET"])
    load_before = os.getloadavg()[0]
    with serve(platform.app()) as api_url, tempfile.TemporaryDirectory() as state_dir:
        stack = Stack.on_free_ports(
            Path(state_dir), LOG_LEVEL="WARNING", WECHAT_API_BASE=api_url, **wechat, **extra
        )
        started = time.monotonic()
        stack.start(model)
        cold_start = time.monotonic() - started
        try:
            meter = Meter(stack)
            memory = {"after start": meter.memory()}
            results, order = asyncio.run(
                measure(stack, QUICK if args.quick else FULL, wechat, platform, meter)
            )
            memory["after the load"] = meter.memory()
        finally:
            stack.stop()
    settings = ", ".join(_shown(k, v) for k, v in sorted(extra.items())) or "the default settings"
    stores = (
        "Redis/PostgreSQL stores"
        if extra.get("REDIS_URL") or extra.get("DATABASE_URL")
        else "embedded stores"
    )
    note = (
        f"One freshly started stack on this machine ({os.cpu_count()} cores, load average "
        f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after; the load generator shares "
        f"the cores), {stores}, {settings}{', quick run' if args.quick else ''}. "
        f"Cold start {cold_start:.1f} s. Closed loop: each citizen waits for the answer. "
        f"Web chat and WeChat, {order_summary(order)}."
    )
    write_report(
        "load",
        "Load: the stack under concurrent citizens, against bare Rasa",
        report(results, memory, cold_start, note),
    )


if __name__ == "__main__":
    main()
