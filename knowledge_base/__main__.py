"""Command line: `python -m knowledge_base build|check|eval`.

build  builds the on-disk embedding cache for the configured content and model (or reuses
       it) and prints what was indexed; deploy scripts run it so the first search is fast.
check  validates the content and held-out files and lists every problem.
eval   runs benchmarks/kb_eval.py (extra arguments are passed on).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Sequence

from knowledge_base.catalog import CatalogError
from knowledge_base.config import PACKAGE_DIR, RetrieverConfig

BENCHMARK = PACKAGE_DIR.parent / "benchmarks" / "kb_eval.py"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge_base", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("build", "check", "eval"))
    args, rest = parser.parse_known_args(argv)
    if args.command == "build":
        return build()
    if args.command == "check":
        return check()
    return evaluate(rest)


def build() -> int:
    from knowledge_base.retriever import Retriever  # heavy: the encoder

    started = time.perf_counter()
    config = RetrieverConfig.from_env()
    try:
        retriever = Retriever.from_config(config)
    except (CatalogError, ValueError, OSError) as error:
        # Bad content or a wrong KB_MODEL: the message names the fix, a traceback would bury it.
        print(f"cannot build the knowledge-base index: {error}", file=sys.stderr)
        return 1
    info = retriever.index_info
    source = "reused from cache" if info.from_cache else "encoded"
    print(f"knowledge base: {info.entries} entries, {info.texts} phrasings, encoder {info.encoder}")
    print(
        f"index: {source} in {info.build_seconds:.2f} s ({time.perf_counter() - started:.1f} s with model load)"
    )
    print(f"cache: {info.cache_path or 'disabled (not writable)'}")
    return 0


def check() -> int:
    from knowledge_base.schema import content_problems

    problems = content_problems(RetrieverConfig.from_env().content_dir)
    for problem in problems:
        print(problem)
    print("content OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def evaluate(argv: list[str]) -> int:
    spec = importlib.util.spec_from_file_location("kb_eval", BENCHMARK)
    if spec is None or spec.loader is None:
        print(f"benchmark not found: {BENCHMARK}", file=sys.stderr)
        return 1
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    module.main(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
