"""`make bench`: every benchmark in turn; each prints its figures and writes its report."""

from __future__ import annotations

import importlib
import sys

from benchmarks.report import BenchmarkSkipped

BENCHMARKS = (
    "benchmarks.bill_latency",
    "benchmarks.load",
    "benchmarks.understanding",
    "benchmarks.off_topic",
    "benchmarks.kb_eval",
    "benchmarks.faq_scale",
    "benchmarks.wechat_load",
    "benchmarks.agent_suggest",
    "benchmarks.faults",
)


def main() -> None:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        try:
            importlib.import_module(name).main([])
        except BenchmarkSkipped as skipped:
            print(f"{name} skipped: {skipped}", flush=True)
        except Exception as error:  # one broken benchmark must not hide the others
            print(f"{name} failed: {error!r}", file=sys.stderr)
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
