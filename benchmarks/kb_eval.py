"""Knowledge-base retriever evaluation on the held-out questions (never indexed).

Compares (a) a char 1-3-gram TF-IDF baseline, (b) plain embedding ranking over canonical
questions only and (c) the shipped ranking with its answer/clarify/unknown decisions;
calibrates the decision thresholds (tuned on one held-out set, scored on the other);
times queries and index builds for the real KB and a synthetic 10,000-entry KB.

    python -m knowledge_base eval [--synthetic-size N] [--max-wrong-rate R]

Prints everything to stdout and writes benchmarks/reports/kb_eval.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from benchmarks.tfidf_baseline import CharNgramIndex  # noqa: E402
from knowledge_base.catalog import Catalog, Entry, load_catalog  # noqa: E402
from knowledge_base.config import DEFAULT_EVAL_DIR, DecisionThresholds, RetrieverConfig  # noqa: E402
from knowledge_base.encoders import encoder_fingerprint  # noqa: E402
from knowledge_base.heldout import HeldoutQuestion, heldout_files, load_heldout  # noqa: E402
from knowledge_base.retriever import Retriever, decide_from_scores, fuse_scores, shared_encoder  # noqa: E402
from knowledge_base.text import normalize  # noqa: E402

Emit = Callable[..., None]
REPORT_PATH = PROJECT_ROOT / "benchmarks" / "reports" / "kb_eval.md"
UNCOVERED_ITEMS = PROJECT_ROOT / "benchmarks" / "data" / "kb_uncovered_items.yml"
LEXICAL_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6)
# Utility of each outcome when calibrating: a clarification that contains the right entry
# costs the citizen one tap; an honest "not found" on an out-of-scope question is right.
CLARIFY_HIT_VALUE = 0.5
SYNTHETIC_PHRASINGS = 3
PREVIOUS_THRESHOLDS = DecisionThresholds(0.45, 0.06, 0.36, 0.10, 3)
"""Hand-set on these held-out sets for the previous (TF-IDF-blended) ranking."""


@dataclass(frozen=True)
class Row:
    """One line of the results table; decision columns are None for rankers without decisions."""

    name: str
    top1: float
    top3: float
    answered_correct: float | None = None
    clarify_rate: float | None = None
    clarify_hit: float | None = None
    unknown_rate: float | None = None
    wrong_rate: float = 0.0
    """Share of all questions answered with a wrong entry (rankers without decisions always answer)."""


@dataclass(frozen=True)
class ScoredSet:
    """Per-question score vectors for one held-out set, computed once and replayed many times."""

    name: str
    questions: list[HeldoutQuestion]
    expected: np.ndarray  # entry index, or -1 when the KB has no answer
    closest: np.ndarray  # (questions, entries): cosine to the entry's closest phrasing
    embedding: np.ndarray  # closest phrasing blended with the centroid, as the retriever does
    lexical: np.ndarray

    def fused(self, weight: float) -> np.ndarray:
        return fuse_scores(self.embedding, self.lexical, weight)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    config = RetrieverConfig.from_env()
    catalog = load_catalog(args.content_dir)
    sets = {path.stem.removeprefix("heldout_"): load_heldout(path) for path in heldout_files(args.eval_dir)}
    if not sets:
        raise SystemExit(f"no held-out files (heldout_*.yml) in {args.eval_dir}")
    lines: list[str] = []

    def emit(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    emit("# Knowledge-base retriever evaluation")
    emit()
    emit(f"- content: {len(catalog)} entries, {sum(len(e.phrasings) for e in catalog)} phrasings")
    for name, questions in sets.items():
        nulls = sum(q.expected is None for q in questions)
        emit(f"- held-out set {name}: {len(questions)} questions ({nulls} with no answer in the KB)")
    emit(f"- encoder: {encoder_fingerprint(config.model)}")

    with tempfile.TemporaryDirectory() as cold_cache:
        started = time.perf_counter()
        shared_encoder(config.model, config.encoder_threads)
        emit(f"- encoder load: {time.perf_counter() - started:.1f} s")
        cold = build_retriever(catalog, config, Path(cold_cache))
        warm = build_retriever(catalog, config, Path(cold_cache))
        assert warm.index_info.from_cache, "the second build must come from the cache"
    emit(
        f"- index build: {cold.index_info.build_seconds:.2f} s cold, {warm.index_info.build_seconds:.3f} s from cache"
    )

    scored = {name: score_set(name, questions, warm, catalog) for name, questions in sets.items()}
    everything = merge(scored.values())

    emit()
    emit("## Ranking and decisions (all held-out questions)")
    emit()
    rows = [
        tfidf_baseline(catalog, everything),
        canonical_embedding_baseline(catalog, everything, warm),
        ranker_row("embedding, closest phrasing only", everything.closest, everything.expected),
        ranker_row(
            f"embedding, centroid blend (centroid weight {warm.centroid_weight})",
            everything.embedding,
            everything.expected,
        ),
        *decision_rows(warm, everything),
        fixed_threshold_row(
            "(c) with the previous hand-set thresholds", warm, everything, PREVIOUS_THRESHOLDS
        ),
    ]
    emit_table(emit, rows)
    calibration = warm.index_info.calibration
    if calibration is not None:
        limits = calibration.thresholds
        emit()
        emit(
            f"Self-calibration ({calibration.questions} leave-one-out questions, max wrong rate "
            f"{config.calibration.max_wrong_rate:.1%}): answer_score {limits.answer_score}, answer_margin "
            f"{limits.answer_margin}, unknown_score {limits.unknown_score} (previous hand-set: "
            f"{PREVIOUS_THRESHOLDS.answer_score}/{PREVIOUS_THRESHOLDS.answer_margin}/{PREVIOUS_THRESHOLDS.unknown_score}); "
            f"in use: {warm.thresholds}"
        )
    for name, scored_set in scored.items():
        emit()
        emit(f"### Held-out set {name} only")
        emit()
        emit_table(emit, decision_rows(warm, scored_set))

    emit()
    emit_uncovered_items(emit, warm, args.uncovered)

    emit()
    emit("## Lexical weight (fused = (1-w)·embedding + w·lexical), top-1 / top-3 per set")
    emit()
    emit("| w | " + " | ".join(f"{name} top-1 | {name} top-3" for name in scored) + " |")
    emit("|---" * (1 + 2 * len(scored)) + "|")
    for weight in LEXICAL_WEIGHTS:
        cells = [f"{value:.3f}" for s in scored.values() for value in ranking(s.fused(weight), s.expected)]
        emit(f"| {weight:.2f} | " + " | ".join(cells) + " |")

    emit()
    emit(
        f"## Threshold calibration (max wrong-answer rate {args.max_wrong_rate:.0%}, w={warm.lexical_weight})"
    )
    emit()
    emit_calibration(emit, scored, everything, warm.lexical_weight, args.max_wrong_rate)

    emit()
    emit("## Latency and build time")
    emit()
    emit(
        "| KB | entries | phrasings | cold build s | cached build s | decide p50 ms | decide p95 ms | top-1 | top-3 |"
    )
    emit("|---|---|---|---|---|---|---|---|---|")
    queries = [q.text for q in everything.questions]
    emit(latency_row("real", cold, warm, queries, everything))
    if args.synthetic_size:
        synthetic = synthetic_catalog(catalog, args.synthetic_size, seed=7)
        with tempfile.TemporaryDirectory() as cache:
            big_cold = build_retriever(synthetic, config, Path(cache))
            big_warm = build_retriever(synthetic, config, Path(cache))
        emit(latency_row(f"synthetic {len(synthetic)}", big_cold, big_warm, queries, everything))
        emit()
        emit(
            "The synthetic KB holds the real entries plus recombined distractors (halves of two real "
            "phrasings spliced together); its top-1/top-3 are for the real held-out questions."
        )

    REPORT_PATH.parent.mkdir(parents=True, exist_ok=True)
    REPORT_PATH.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nreport written to {REPORT_PATH}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    config = RetrieverConfig.from_env()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content-dir", type=Path, default=config.content_dir)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument(
        "--uncovered", type=Path, default=UNCOVERED_ITEMS, help="questions the KB cannot answer"
    )
    parser.add_argument("--synthetic-size", type=int, default=10_000, help="0 skips the synthetic KB")
    parser.add_argument("--max-wrong-rate", type=float, default=0.01)
    return parser.parse_args(argv)


def build_retriever(catalog: Catalog, config: RetrieverConfig, cache_dir: Path) -> Retriever:
    """As the servers build it: self-calibrated thresholds unless the environment pins them."""
    return Retriever(
        catalog,
        shared_encoder(config.model, config.encoder_threads),
        encoder_fingerprint(config.model),
        cache_dir=cache_dir,
        centroid_weight=config.centroid_weight,
        lexical_weight=config.lexical_weight,
        thresholds=config.thresholds,
        calibration=config.calibration,
    )


def score_set(
    name: str, questions: list[HeldoutQuestion], retriever: Retriever, catalog: Catalog
) -> ScoredSet:
    index_of = {entry_id: index for index, entry_id in enumerate(catalog.ids)}
    scores = [retriever.entry_scores(question.text) for question in questions]
    return ScoredSet(
        name=name,
        questions=questions,
        expected=np.array([index_of.get(q.expected, -1) if q.expected else -1 for q in questions]),
        closest=np.stack([s.closest_phrasing for s in scores]),
        embedding=np.stack([s.embedding for s in scores]),
        lexical=np.stack([s.lexical for s in scores]),
    )


def merge(sets: Iterable[ScoredSet]) -> ScoredSet:
    parts = list(sets)
    return ScoredSet(
        name="all",
        questions=[q for s in parts for q in s.questions],
        expected=np.concatenate([s.expected for s in parts]),
        closest=np.concatenate([s.closest for s in parts]),
        embedding=np.concatenate([s.embedding for s in parts]),
        lexical=np.concatenate([s.lexical for s in parts]),
    )


def ranking(scores: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    """Top-1 and top-3 accuracy over the questions that have an answer in the KB."""
    answerable = expected >= 0
    order = np.argsort(-scores[answerable], axis=1)[:, :3]
    hits = order == expected[answerable, None]
    return float(hits[:, 0].mean()), float(hits.any(axis=1).mean())


def always_answer_wrong_rate(scores: np.ndarray, expected: np.ndarray) -> float:
    """A ranker without decisions answers its top entry every time, including out-of-scope questions."""
    return float((np.argmax(scores, axis=1) != expected).mean())


def ranker_row(name: str, scores: np.ndarray, expected: np.ndarray) -> Row:
    """A ranking without decisions: it answers its top entry every time."""
    return Row(name, *ranking(scores, expected), wrong_rate=always_answer_wrong_rate(scores, expected))


def tfidf_baseline(catalog: Catalog, scored: ScoredSet) -> Row:
    index = CharNgramIndex(["\n".join(normalize(t) for t in entry.phrasings) for entry in catalog])
    scores = np.stack([index.scores(normalize(q.text)) for q in scored.questions])
    return ranker_row("(a) char 1-3-gram TF-IDF", scores, scored.expected)


def canonical_embedding_baseline(catalog: Catalog, scored: ScoredSet, retriever: Retriever) -> Row:
    encode = retriever.embed
    questions = encode([normalize(entry.question) for entry in catalog])
    queries = encode([normalize(q.text) for q in scored.questions])
    return ranker_row("(b) embedding, canonical question only", queries @ questions.T, scored.expected)


def decision_rows(retriever: Retriever, scored: ScoredSet) -> list[Row]:
    """(c): the retriever's own `decide`, run for real on every question."""
    decisions = [retriever.decide(q.text) for q in scored.questions]
    expected = [q.expected for q in scored.questions]
    total = len(decisions)
    answered = [d.hits[0].id == e for d, e in zip(decisions, expected, strict=True) if d.kind == "answer"]
    clarified = [
        e in {h.id for h in d.hits} for d, e in zip(decisions, expected, strict=True) if d.kind == "clarify"
    ]
    top1, top3 = ranking(scored.fused(retriever.lexical_weight), scored.expected)
    return [
        Row(
            f"(c) fused w={retriever.lexical_weight} + decisions",
            top1,
            top3,
            answered_correct=sum(answered) / total,
            clarify_rate=len(clarified) / total,
            clarify_hit=sum(clarified) / max(len(clarified), 1),
            unknown_rate=sum(d.kind == "unknown" for d in decisions) / total,
            wrong_rate=(len(answered) - sum(answered)) / total,
        )
    ]


def emit_uncovered_items(emit: Emit, retriever: Retriever, path: Path) -> None:
    """Service items the KB has no entry for: every direct answer is wrong; with and without
    the unknown-item check (knowledge_base/unknown_items.py) that turns them away."""
    questions = [str(text) for text in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]]
    emit(f"## Service items the KB does not cover ({len(questions)} questions, {path.name})")
    emit()
    emit("| decisions | answered (wrong) | clarified | unknown (honest) |")
    emit("|---|---|---|---|")
    with_check = [retriever.decide(text).kind for text in questions]
    without = [
        decide_from_scores(retriever.entry_scores(text).fused, retriever.thresholds)[0] for text in questions
    ]
    for name, kinds in (
        ("shipped (with the unknown-item check)", with_check),
        ("without the check", without),
    ):
        shares = [
            sum(kind == wanted for kind in kinds) / len(kinds) for wanted in ("answer", "clarify", "unknown")
        ]
        emit(f"| {name} | " + " | ".join(f"{share:.3f}" for share in shares) + " |")
    for text, kind in zip(questions, with_check, strict=True):
        if kind == "answer":
            emit(f"- still answered: {text} → {retriever.decide(text).hits[0].question}")


def fixed_threshold_row(
    name: str, retriever: Retriever, scored: ScoredSet, limits: DecisionThresholds
) -> Row:
    """The shipped ranking with other thresholds, replayed over the cached scores."""
    fused = scored.fused(retriever.lexical_weight)
    outcome = replay(Ranked.of(fused, scored.expected, limits.clarify_max_options), limits)
    clarified = max(outcome.clarify, 1e-9)
    unknown = 1.0 - outcome.answered_correct - outcome.wrong - outcome.clarify
    return Row(
        name,
        *ranking(fused, scored.expected),
        answered_correct=outcome.answered_correct,
        clarify_rate=outcome.clarify,
        clarify_hit=outcome.clarify_hit / clarified,
        unknown_rate=unknown,
        wrong_rate=outcome.wrong,
    )


def emit_table(emit: Emit, rows: Sequence[Row]) -> None:
    def cell(value: float | None) -> str:
        return "–" if value is None else f"{value:.3f}"

    emit(
        "| ranking | top-1 | top-3 | answered right | clarify rate | right entry offered | unknown rate | wrong-answer rate |"
    )
    emit("|---|---|---|---|---|---|---|---|")
    for row in rows:
        values = (
            row.top1,
            row.top3,
            row.answered_correct,
            row.clarify_rate,
            row.clarify_hit,
            row.unknown_rate,
            row.wrong_rate,
        )
        emit(f"| {row.name} | " + " | ".join(cell(v) for v in values) + " |")


# --- calibration --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    answered_correct: float
    wrong: float
    clarify: float
    clarify_hit: float
    unknown_on_null: float

    @property
    def utility(self) -> float:
        return self.answered_correct + CLARIFY_HIT_VALUE * self.clarify_hit + self.unknown_on_null


@dataclass(frozen=True)
class Ranked:
    """Each question's best entries and their scores, sorted once and replayed per threshold set."""

    order: np.ndarray  # (questions, n) entry indices, best first
    scores: np.ndarray  # (questions, n) their scores
    expected: np.ndarray

    @classmethod
    def of(cls, scores: np.ndarray, expected: np.ndarray, depth: int) -> Ranked:
        order = np.argsort(-scores, axis=1, kind="stable")[:, : max(depth, 2)]
        return cls(order, np.take_along_axis(scores, order, axis=1), expected)


def replay(ranked: Ranked, limits: DecisionThresholds) -> Outcome:
    """`decide_from_scores` vectorized over questions (checked against it in the tests)."""
    order, scores, expected = ranked.order, ranked.scores, ranked.expected
    top, runner_up = scores[:, 0], scores[:, 1]
    unknown = top < limits.unknown_score
    answer = ~unknown & (top >= limits.answer_score) & (top - runner_up >= limits.answer_margin)
    clarify = ~unknown & ~answer
    offered_floor = np.maximum(top - limits.clarify_window, limits.unknown_score)
    options = limits.clarify_max_options
    offered = (scores[:, :options] >= offered_floor[:, None]) & (order[:, :options] == expected[:, None])
    total = len(expected)
    right = order[:, 0] == expected
    return Outcome(
        answered_correct=float((answer & right).sum() / total),
        wrong=float((answer & ~right).sum() / total),
        clarify=float(clarify.sum() / total),
        clarify_hit=float((clarify & offered.any(axis=1)).sum() / total),
        unknown_on_null=float((unknown & (expected < 0)).sum() / total),
    )


def threshold_grid(base: DecisionThresholds) -> list[DecisionThresholds]:
    return [
        replace(base, answer_score=a, answer_margin=m, unknown_score=u, clarify_window=w)
        for a, m, u, w in itertools.product(
            np.round(np.arange(0.40, 0.91, 0.02), 2),
            np.round(np.arange(0.0, 0.21, 0.01), 2),
            np.round(np.arange(0.20, 0.61, 0.02), 2),
            (0.05, 0.08, 0.10, 0.12, 0.15, 0.20),
        )
        if u <= a
    ]


def calibrate(
    scores: np.ndarray, expected: np.ndarray, max_wrong_rate: float, base: DecisionThresholds
) -> DecisionThresholds:
    """The most useful thresholds whose wrong-answer rate stays within budget; ties favour
    stricter answering (higher answer_score), which generalizes better to unseen questions."""
    best: tuple[float, float, float] | None = None
    chosen = base
    ranked = Ranked.of(scores, expected, base.clarify_max_options)
    for limits in threshold_grid(base):
        outcome = replay(ranked, limits)
        if outcome.wrong > max_wrong_rate:
            continue
        key = (round(outcome.utility, 6), limits.answer_score + limits.answer_margin, -limits.unknown_score)
        if best is None or key > best:
            best, chosen = key, limits
    return chosen


def emit_calibration(
    emit: Emit, scored: dict[str, ScoredSet], everything: ScoredSet, weight: float, max_wrong_rate: float
) -> None:
    base = DecisionThresholds()
    emit(
        "| tuned on | scored on | answer_score | answer_margin | unknown_score | clarify_window | answered right | clarify | right offered | wrong |"
    )
    emit("|---|---|---|---|---|---|---|---|---|---|")
    pairs = [(a, b) for a in scored for b in scored if a != b] + [("all", "all")]
    for tuned_on, scored_on in pairs:
        source = everything if tuned_on == "all" else scored[tuned_on]
        target = everything if scored_on == "all" else scored[scored_on]
        limits = calibrate(source.fused(weight), source.expected, max_wrong_rate, base)
        outcome = replay(Ranked.of(target.fused(weight), target.expected, limits.clarify_max_options), limits)
        emit(
            f"| {tuned_on} | {scored_on} | {limits.answer_score:.2f} | {limits.answer_margin:.2f} | "
            f"{limits.unknown_score:.2f} | {limits.clarify_window:.2f} | {outcome.answered_correct:.3f} | "
            f"{outcome.clarify:.3f} | {outcome.clarify_hit:.3f} | {outcome.wrong:.3f} |"
        )
    current = RetrieverConfig.from_env().thresholds
    emit()
    emit(
        f"Configured now: KB_ANSWER_SCORE={current.answer_score} KB_ANSWER_MARGIN={current.answer_margin} "
        f"KB_UNKNOWN_SCORE={current.unknown_score} KB_CLARIFY_WINDOW={current.clarify_window}"
    )


# --- latency and scale -------------------------------------------------------------------


def latency_row(name: str, cold: Retriever, warm: Retriever, queries: list[str], scored: ScoredSet) -> str:
    for query in queries[:10]:
        warm.decide(query)
    timings: list[float] = []
    for query in queries:
        started = time.perf_counter()
        warm.decide(query)
        timings.append((time.perf_counter() - started) * 1000)
    index_of = {entry_id: index for index, entry_id in enumerate(warm.catalog.ids)}
    expected = np.array([index_of.get(q.expected, -1) if q.expected else -1 for q in scored.questions])
    fused = np.stack([warm.entry_scores(q).fused for q in queries])
    top1, top3 = ranking(fused, expected)
    p50, p95 = np.percentile(timings, [50, 95])
    info = warm.index_info
    return (
        f"| {name} | {info.entries} | {info.texts} | {cold.index_info.build_seconds:.2f} | "
        f"{info.build_seconds:.3f} | {p50:.2f} | {p95:.2f} | {top1:.3f} | {top3:.3f} |"
    )


def synthetic_catalog(catalog: Catalog, size: int, seed: int) -> Catalog:
    """The real entries plus distractors spliced from halves of two real phrasings: realistic
    vocabulary and lengths, so build time, latency and score crowding resemble a big KB."""
    rng = random.Random(seed)
    real = list(catalog)
    # Three phrasings per distractor, as in a typical large FAQ; it also keeps the cold build
    # (the encoder's work) within a minute or two on two cores.
    entries = list(real)
    for number in range(size - len(real)):
        first, second = rng.sample(real, 2)
        count = min(len(first.phrasings), len(second.phrasings), SYNTHETIC_PHRASINGS)
        phrasings = [
            _splice(a, b, rng) for a, b in zip(first.phrasings[:count], second.phrasings[:count], strict=True)
        ]
        unique = list(dict.fromkeys(phrasings))
        entries.append(
            Entry(
                id=f"synthetic.n{number}",
                kind="faq",
                question=unique[0],
                answer=first.answer,
                theme="synthetic",
                source=Path("<synthetic>"),
                alternatives=tuple(unique[1:]),
                keywords=second.keywords,
            )
        )
    return Catalog(entries)


def _splice(first: str, second: str, rng: random.Random) -> str:
    cut_first = rng.randint(1, max(len(first) - 1, 1))
    cut_second = rng.randint(0, max(len(second) - 1, 0))
    return first[:cut_first] + second[cut_second:]


if __name__ == "__main__":
    main()
