"""`python -m analytics eval`: how well the unanswered questions are grouped and advised on
(analytics/eval/eval.yml, and dev.yml for comparison) with the shipped parameters.
`python -m analytics tune`: the search on dev.yml that chose them."""

from __future__ import annotations

import argparse

from analytics.evaluation import DEV_SET, EVAL_SET, evaluate, load_set, tune
from analytics.unanswered import UnansweredParams
from knowledge_base.retriever import get_retriever


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m analytics")
    parser.add_argument("command", choices=("eval", "tune"))
    args = parser.parse_args(argv)
    retriever = get_retriever()
    params = UnansweredParams()
    if args.command == "tune":
        params, lines = tune(load_set(DEV_SET), retriever)
        print("dev set:", *lines, sep="\n")
    for name, path in (("dev", DEV_SET), ("eval", EVAL_SET)):
        labelled = load_set(path)
        report = evaluate(labelled, retriever, params)
        print(
            f"{name} set ({len(labelled.texts)} questions, {report.clustering.incidents} topics incl. noise): "
            f"purity {report.clustering.purity:.3f}, completeness {report.clustering.completeness:.3f}, "
            f"{report.clustering.groups} groups at threshold {params.threshold:.2f}; advice right for "
            f"{report.advised_right}/{report.advised} groups ({report.advice_accuracy:.2f}) at phrasing score "
            f"{params.phrasing_score:.2f}"
        )


if __name__ == "__main__":
    main()
