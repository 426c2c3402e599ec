"""`python -m hotspots eval`: purity and completeness of the configured clustering on the eval
set (hotspots/eval/incidents.yml). `python -m hotspots tune`: the grid search on the dev set
(hotspots/eval/dev.yml) that chose the defaults, and its choice scored on the eval set."""

from __future__ import annotations

import argparse

from common.settings import load_settings
from hotspots.evaluation import DEV_SET, EVAL_SET, evaluate, load_set, plateau, tune
from hotspots.service import params_of


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m hotspots")
    parser.add_argument("command", choices=("eval", "tune"))
    args = parser.parse_args(argv)
    params = params_of(load_settings().hotspots)
    if args.command == "tune":
        results = tune(load_set(DEV_SET), params)
        params, low, high = plateau(results)
        print(f"dev set: best min(purity, completeness) {results[0][0].worst:.3f}")
        print(f"  thresholds {low:.2f}..{high:.2f} equally good; chosen {params}")
    for name, path in (("dev", DEV_SET), ("eval", EVAL_SET)):
        labelled = load_set(path)
        scored = evaluate(labelled, params)
        print(
            f"{name} set ({len(labelled.labels)} complaints, {scored.incidents} incidents incl. noise): "
            f"purity {scored.purity:.3f}, completeness {scored.completeness:.3f}, "
            f"{scored.groups} groups at threshold {params.threshold:.2f} "
            f"(place weight {params.place_weight:.2f}, time weight {params.time_weight:.2f}, {params.linkage})"
        )


if __name__ == "__main__":
    main()
