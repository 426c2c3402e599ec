"""Command line: retrain on a city's export, or route a message.

    python -m complaint_router train [--data FILE] [--out MODEL.npz] [--embeddings]
    python -m complaint_router route "市民的原话" [--model MODEL.npz] [-k 3]

Without --data, `train` rebuilds the shipped model from complaint_router/data/ (what a
maintainer runs after editing the training data; the staleness test says when).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from complaint_router.dataset import DataError, load_export, load_shipped
from complaint_router.model import ModelFileError
from complaint_router.router import DEFAULT_MODEL_PATH, ComplaintRouter

EXPORT_MODEL_PATH = Path("complaint-router-model.npz")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m complaint_router", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model file")
    train.add_argument(
        "--data",
        type=Path,
        help="CSV (text,category[,name,department]) or JSON list; default: the shipped data",
    )
    train.add_argument(
        "--out",
        type=Path,
        help=f"model file to write (default: {EXPORT_MODEL_PATH} with --data, else the shipped model)",
    )
    train.add_argument(
        "--embeddings",
        action="store_true",
        help="add the USE sentence embedding with a linear SVM (better on our own letters, worse on real ones; "
        "~3 ms a message): compare the cross-validation on your tickets",
    )
    route = commands.add_parser("route", help="print a message's three most likely categories")
    route.add_argument("text")
    route.add_argument("--model", type=Path, help="model file (default: the shipped model)")
    route.add_argument("-k", type=int, default=3)
    return parser.parse_args(argv)


def run_train(data: Path | None, out: Path | None, embeddings: bool = False) -> Path:
    from complaint_router.metrics import figures
    from complaint_router.train import DEFAULT_CONFIG, EMBEDDING_CONFIG, train

    dataset = load_export(data) if data else load_shipped()
    target = out or (EXPORT_MODEL_PATH if data else DEFAULT_MODEL_PATH)
    started = time.perf_counter()
    result = train(dataset, EMBEDDING_CONFIG if embeddings else DEFAULT_CONFIG)
    result.model.save(target)
    classes = [category.category for category in dataset.categories]
    print(
        f"trained on {len(dataset.examples)} examples, {len(classes)} categories in {time.perf_counter() - started:.1f} s"
    )
    if result.out_of_fold.any():
        cv = figures(result.out_of_fold, result.labels, classes)
        print(
            f"cross-validation: accuracy {cv.accuracy:.3f}, macro-F1 {cv.macro_f1:.3f}, top-3 {cv.top3:.3f}, "
            f"calibration error {cv.ece:.3f} (temperature {result.model.temperature:.2f})"
        )
    else:
        print("cross-validation skipped: a category has fewer examples than two folds need")
    print(f"model written to {target} ({target.stat().st_size / 1e6:.2f} MB)")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.command == "train":
            run_train(args.data, args.out, embeddings=args.embeddings)
            return 0
        router = ComplaintRouter.load(args.model)
        for ranked in router.top(args.text, k=args.k):
            print(f"{ranked.score:.3f}  {ranked.category}  {ranked.name}  {ranked.department}")
        return 0
    except (DataError, ModelFileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
