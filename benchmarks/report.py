"""Shared helpers: latency statistics and the markdown report every benchmark writes."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import httpx

REPORTS_DIR = Path(__file__).resolve().parent / "reports"


class BenchmarkSkipped(Exception):
    """A benchmark that cannot run here (its data is not on this machine); `make bench` says
    why and goes on with the others."""


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; enough for a few hundred samples."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def timed(arguments: Iterable[str], call: Callable[[str], httpx.Response]) -> list[float]:
    """Seconds per call, one call per argument in turn; a failed call stops the benchmark."""
    samples = []
    for argument in arguments:
        started = time.perf_counter()
        response = call(argument)
        samples.append(time.perf_counter() - started)
        response.raise_for_status()
    return samples


def latency_row(name: str, seconds: Sequence[float]) -> list[str]:
    millis = [value * 1000 for value in seconds]
    return [
        name,
        str(len(millis)),
        f"{percentile(millis, 0.50):.1f}",
        f"{percentile(millis, 0.95):.1f}",
        f"{statistics.fmean(millis):.1f}",
    ]


LATENCY_HEADER = ["path", "n", "p50 ms", "p95 ms", "mean ms"]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(name: str, title: str, body: str) -> Path:
    REPORTS_DIR.mkdir(parents=True, exist_ok=True)
    path = REPORTS_DIR / f"{name}.md"
    path.write_text(f"# {title}\n\n{body.strip()}\n", encoding="utf-8")
    print(f"\n# {title}\n\n{body.strip()}\n\nreport: {path}")
    return path
