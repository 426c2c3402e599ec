"""`make bench`: every benchmark in turn; each prints its figures and writes its report."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = (
    "benchmarks.bill_latency",
    "benchmarks.kb_eval",
    "benchmarks.wechat_load",
    "benchmarks.agent_suggest",
)


def main() -> None:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        try:
            importlib.import_module(name).main([])
        except Exception as error:  # one broken benchmark must not hide the others
            print(f"{name} failed: {error!r}", file=sys.stderr)
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
