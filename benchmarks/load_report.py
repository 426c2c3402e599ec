"""What `benchmarks.load` measures and how it reports it: samples, one scenario's result, and
the report's tables (targets of issue 18, per scenario, per intent, per process)."""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.report import markdown_table, percentile

PROCESSES = ("gateway", "rasa", "actions", "sandbox")
WECHAT_LIMIT_SECONDS = 4.0
CHAT, BARE, WECHAT = "/api/chat", "bare Rasa", "WeChat"
SIDE_BY_SIDE = "20 concurrent mixed, side by side"
# Scenarios whose channels met the same load at the same moments (benchmarks/load.py).
SAME_MOMENTS = frozenset({"unloaded greeting", "unloaded bill query", SIDE_BY_SIDE})
Memory = dict[str, dict[str, tuple[float, float]]]
"""When (after start, after the load) -> process -> (RSS MB, PSS MB)."""


@dataclass
class Sample:
    intent: str
    seconds: float
    kind: str  # normal, busy, empty or error (benchmarks.faults.classify)
    passive: bool = True  # WeChat: answered in the reply itself, not later by the service API
    text: str = ""


@dataclass
class Result:
    scenario: str
    channel: str
    workers: int
    seconds: float
    samples: list[Sample]
    cpu: dict[str, float]

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.seconds

    def errors(self, samples: Sequence[Sample] | None = None) -> int:
        return sum(1 for s in (self.samples if samples is None else samples) if s.kind != "normal")

    def latencies(self, intent: str | None = None) -> list[float]:
        return [s.seconds for s in self.samples if intent is None or s.intent == intent]

    def within_deadline(self) -> float:
        return sum(1 for s in self.samples if s.passive and s.seconds <= WECHAT_LIMIT_SECONDS) / len(
            self.samples
        )


def _ms(samples: Sequence[float], fraction: float) -> str:
    return f"{percentile(samples, fraction) * 1000:.0f}"


def _find(results: Sequence[Result], scenario: str, channel: str) -> Result:
    return next(r for r in results if r.scenario == scenario and r.channel == channel)


def summary_rows(results: Sequence[Result]) -> list[list[str]]:
    rows = []
    for r in results:
        stack_cpu = sum(r.cpu[name] for name in PROCESSES)
        rows.append(
            [
                r.scenario,
                r.channel,
                str(len(r.samples)),
                f"{r.throughput:.1f}",
                *(_ms(r.latencies(), q) for q in (0.5, 0.95, 0.99)),
                str(r.errors()),
                f"{r.within_deadline():.1%}" if r.channel == WECHAT else "",
                f"{stack_cpu / len(r.samples) * 1000:.0f}",
            ]
        )
    return rows


def intent_rows(results: Sequence[Result]) -> list[list[str]]:
    rows = []
    for r in results:
        if r.workers < 20:
            continue
        for intent in sorted({s.intent for s in r.samples}):
            samples = [s for s in r.samples if s.intent == intent]
            latencies = [s.seconds for s in samples]
            rows.append(
                [
                    r.channel,
                    intent,
                    str(len(samples)),
                    *(_ms(latencies, q) for q in (0.5, 0.95, 0.99)),
                    str(r.errors(samples)),
                ]
            )
    return rows


def cpu_rows(results: Sequence[Result]) -> list[list[str]]:
    names = [*PROCESSES, "load generator"]
    return [
        [
            r.scenario,
            r.channel,
            *(f"{r.cpu[name] / len(r.samples) * 1000:.1f}" for name in names),
            f"{sum(r.cpu[name] for name in PROCESSES) / r.seconds / (os.cpu_count() or 1):.0%}",
        ]
        for r in results
    ]


def overhead_rows(results: Sequence[Result]) -> tuple[list[list[str]], float]:
    """The gateway's p50 and throughput against the bare webhook's. The target's figure is the
    worst of the scenarios where both met the same load at the same time (one at a time taking
    turns, and side by side); the other scenarios ran one channel after the other, so their
    ratios also carry the machine's drift between the runs."""
    rows, worst = [], 0.0
    for r in results:
        if r.channel == BARE:
            continue
        bare = _find(results, r.scenario, BARE)
        ratio = statistics.median(r.latencies()) / statistics.median(bare.latencies())
        same_moments = r.scenario in SAME_MOMENTS
        if r.channel == CHAT and same_moments:
            worst = max(worst, ratio)
        rows.append(
            [
                r.scenario,
                r.channel,
                f"{ratio:.2f}x",
                f"{bare.throughput / r.throughput:.2f}x",
                "at the same time" if same_moments else "one after the other",
            ]
        )
    return rows, worst


def memory_rows(memory: Memory) -> list[list[str]]:
    rows = []
    for name in next(iter(memory.values()), {}):
        rows.append(
            [name, *(f"{memory[when][name][0]:.0f} / {memory[when][name][1]:.0f}" for when in memory)]
        )
    totals = [
        f"{sum(v[0] for v in m.values()):.0f} / {sum(v[1] for v in m.values()):.0f}" for m in memory.values()
    ]
    return [*rows, ["whole stack", *totals]]


def target_rows(
    results: Sequence[Result], worst_overhead: float, start_rss_mb: float, cold_start: float
) -> list[list[str]]:
    def row(what: str, measured: str, met: bool) -> list[str]:
        return [what, measured, "yes" if met else "no"]

    bills = _find(results, "16 concurrent bill queries", CHAT)
    greetings = _find(results, "16 concurrent greetings", CHAT)
    hello = _find(results, "unloaded greeting", CHAT).latencies()
    bill = _find(results, "unloaded bill query", CHAT).latencies()
    chat_mixed = _find(results, "20 concurrent mixed", CHAT)
    wechat_mixed = _find(results, "20 concurrent mixed", WECHAT)
    mixed_p95 = max(percentile(chat_mixed.latencies(), 0.95), percentile(wechat_mixed.latencies(), 0.95))
    bill_p95 = percentile(bills.latencies(), 0.95)
    return [
        row("bill queries, 16 concurrent: >= 25 msg/s", f"{bills.throughput:.1f}/s", bills.throughput >= 25),
        row("bill queries, 16 concurrent: p95 <= 1 s", f"{bill_p95 * 1000:.0f} ms", bill_p95 <= 1),
        row(
            "greetings, 16 concurrent: >= 60 msg/s",
            f"{greetings.throughput:.1f}/s",
            greetings.throughput >= 60,
        ),
        row("greeting unloaded: p50 <= 30 ms", f"{_ms(hello, 0.5)} ms", percentile(hello, 0.5) <= 0.03),
        row(
            "bill query unloaded: p50 <= 100 ms, p95 <= 150 ms",
            f"{_ms(bill, 0.5)} / {_ms(bill, 0.95)} ms",
            percentile(bill, 0.5) <= 0.1 and percentile(bill, 0.95) <= 0.15,
        ),
        row(
            "mixed, 20 concurrent: p95 <= 800 ms (chat, WeChat)",
            f"{mixed_p95 * 1000:.0f} ms",
            mixed_p95 <= 0.8,
        ),
        row(
            "mixed: 100 % WeChat passive replies within 4 s",
            f"{wechat_mixed.within_deadline():.1%}",
            wechat_mixed.within_deadline() == 1,
        ),
        row(
            "gateway p50 <= 1.1x bare Rasa on the same load (worst scenario)",
            f"{worst_overhead:.2f}x",
            worst_overhead <= 1.1,
        ),
        row("whole stack <= 1.5 GB RSS after start", f"{start_rss_mb:.0f} MB", start_rss_mb <= 1536),
        row("cold start <= 30 s (model cached)", f"{cold_start:.1f} s", cold_start <= 30),
    ]


def report(results: Sequence[Result], memory: Memory, cold_start: float, note: str) -> str:
    overhead, worst = overhead_rows(results)
    start_rss = sum(rss for rss, _pss in memory["after start"].values())
    summary_header = ["scenario", "channel", "msgs", "msg/s", "p50 ms", "p95 ms", "p99 ms", "errors"]
    cpu_header = ["scenario", "channel", *(f"{name} ms" for name in PROCESSES), "load generator ms"]
    return "\n\n".join(
        [
            note,
            "## Targets (issue 18; /api/chat unless noted)",
            markdown_table(["target", "measured", "met"], target_rows(results, worst, start_rss, cold_start)),
            "## Scenarios",
            markdown_table(
                [*summary_header, "WeChat passive <= 4 s", "stack CPU ms/msg"], summary_rows(results)
            ),
            "## 20 concurrent mixed, per intent",
            markdown_table(
                ["channel", "intent", "n", "p50 ms", "p95 ms", "p99 ms", "errors"], intent_rows(results)
            ),
            "## Gateway against the bare webhook under the same load",
            markdown_table(
                ["scenario", "channel", "p50 ratio", "throughput ratio", "channels measured"], overhead
            ),
            "## CPU per message, by process (the last column: the stack's share of all cores)",
            markdown_table([*cpu_header, "stack CPU use"], cpu_rows(results)),
            "## Memory (MB, RSS / PSS; PSS shares forked workers' pages out)",
            markdown_table(["process", *memory], memory_rows(memory)),
        ]
    )
