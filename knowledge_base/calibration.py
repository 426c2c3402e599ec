"""Decision thresholds calibrated from the knowledge base itself.

Hand-set thresholds fit one content set and one score scale: calibrated on our 177 entries,
they answered 14 % of a 6,700-entry FAQ's questions directly and wrongly, because a big FAQ
crowds more near-siblings under every question. So the thresholds are measured on the
content they serve. Leave-one-out: each alternative phrasing of an entry is asked as a
question, with the index holding the rest of the KB plus the entry's other phrasings (its
embedding, centroid and lexical document recomputed without it); the same question with its
entry removed stands for a question the KB cannot answer. Over these score vectors the
decision rule is replayed for a grid of answer/margin/unknown cut-offs, and the most useful
setting whose wrong-answer rate stays within `max_wrong_rate` wins.

Content writers' alternatives are the best stand-in for citizens' phrasings we have; they
are a little closer to their entry than a stranger's wording, so the budget is a target,
not a guarantee (benchmarks/faq_scale.py measures the real rate on held-out questions).
The result is cached beside the embeddings under a key of everything it depends on, so it
runs once per content, model or weight change, never at an ordinary start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from knowledge_base.config import CalibrationConfig, DecisionThresholds

if TYPE_CHECKING:
    from knowledge_base.retriever import Retriever

logger = logging.getLogger(__name__)

VERSION = 2
"""Bump when the procedure changes, so cached results from an older one are not reused."""
MAX_QUESTIONS = 2000
"""Enough for stable rates at the 1 % level; caps the cost on a big FAQ (~2 s at 7,000 entries)."""
CLARIFY_HIT_VALUE = 0.5
"""A clarification that offers the right entry costs the citizen one tap: half a direct answer."""
ANSWER_SCORES = [*np.round(np.arange(0.30, 0.92, 0.02), 2).tolist(), 9.0]  # 9.0: never answer
ANSWER_MARGINS = np.round(np.arange(0.0, 0.205, 0.01), 2).tolist()
UNKNOWN_SCORES = np.round(np.arange(0.14, 0.62, 0.02), 2).tolist()
# The content's own phrasings say nothing about questions from outside the city's services
# (homework, weather), which score lower than any phrasing. Measured with the default encoder
# and the BM25 blend on eval/heldout_*.yml (34 out-of-scope, 350 answerable questions): "not
# found" below 0.36 turned away 71 % of the out-of-scope ones and 2 % of the answerable, below
# 0.38 74 % and 4 %, below 0.40 79 % and 7 %. The calibration never goes below 0.38: an honest
# "not found" (with 12345 and 转人工) costs a citizen less than a made-up choice list.
UNKNOWN_FLOOR = 0.38
_BATCH = 256


@dataclass(frozen=True)
class Calibration:
    thresholds: DecisionThresholds
    questions: int
    """Held-out phrasings asked (each also asked once with its entry removed)."""
    answered_right: float
    answered_wrong: float
    clarified_with_right_entry: float
    """Expected shares of all questions, with `unanswerable_share` of them unanswerable."""
    from_cache: bool = False
    seconds: float = 0.0


def calibrated_thresholds(
    retriever: Retriever, config: CalibrationConfig, cache_dir: Path | None
) -> Calibration:
    """The calibration for this retriever's content, from the cache when it has it."""
    started = time.perf_counter()
    base = retriever.thresholds
    path = cache_dir / f"calibration-{_key(retriever, config, base)}.json" if cache_dir else None
    cached = _read(path, base)
    if cached is not None:
        return replace(cached, from_cache=True, seconds=time.perf_counter() - started)
    answerable, unanswerable = leave_one_out_scores(retriever)
    result = calibrate(answerable, unanswerable, config, base)
    result = replace(result, seconds=time.perf_counter() - started)
    if path is not None:
        _write(path, result)
    return result


def leave_one_out_scores(retriever: Retriever) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """((scores, expected entry), scores without the expected entry) for held-out phrasings."""
    starts = retriever._first_text_of_entry
    sizes = np.diff(np.append(starts, len(retriever._phrasings)))
    owner = np.repeat(np.arange(len(starts)), sizes)
    held = np.flatnonzero(sizes[owner] >= 2)
    if len(held) > MAX_QUESTIONS:
        held = np.sort(np.random.default_rng(0).choice(held, MAX_QUESTIONS, replace=False))
    parts = [_scores_without(retriever, held[i : i + _BATCH], owner) for i in range(0, len(held), _BATCH)]
    if not parts:
        empty = np.zeros((0, len(starts)), np.float32)
        return (empty, np.zeros(0, np.intp)), empty
    scores = np.concatenate(parts)
    expected = owner[held]
    removed = scores.copy()
    removed[np.arange(len(held)), expected] = -np.inf
    return (scores, expected), removed


def _scores_without(retriever: Retriever, held: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Fused scores of each held-out phrasing against the KB with that phrasing taken out."""
    phrasings, starts, texts = retriever._phrasings, retriever._first_text_of_entry, retriever._texts
    queries = phrasings[held]
    rows = np.arange(len(held))
    own = owner[held]
    to_phrasings = queries @ phrasings.T
    to_phrasings[rows, held] = -np.inf
    closest = np.maximum.reduceat(to_phrasings, starts, axis=1)
    sums = np.add.reduceat(phrasings, starts, axis=0)
    centroid = queries @ (sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)).T
    rest = sums[own] - queries
    centroid[rows, own] = np.einsum("ij,ij->i", queries, rest) / np.maximum(
        np.linalg.norm(rest, axis=1), 1e-12
    )
    question_texts = [texts[index] for index in held]
    lexical = retriever._lexical.score_matrix(question_texts)
    documents = [
        retriever.lexical_document(int(entry), without=int(index))
        for entry, index in zip(own, held, strict=True)
    ]
    lexical[rows, own] = retriever._lexical.score_against(question_texts, documents)
    embedding = retriever.centroid_weight * centroid + (1.0 - retriever.centroid_weight) * closest
    return retriever.fuse(embedding, lexical).astype(np.float32)


def calibrate(
    answerable: tuple[np.ndarray, np.ndarray],
    unanswerable: np.ndarray,
    config: CalibrationConfig,
    base: DecisionThresholds,
) -> Calibration:
    """The most useful thresholds on the grid whose expected wrong-answer rate is within budget.

    Usefulness counts a right answer 1 and a clarification offering the right entry 0.5.
    Ties go to stricter answering (higher answer_score + margin), which holds up better on
    questions nobody wrote down.
    """
    scores, expected = answerable
    share = config.unanswerable_share
    if len(expected) == 0 or scores.shape[1] < 2:
        return Calibration(base, 0, 0.0, 0.0, 0.0)
    depth = base.clarify_max_options
    order = np.argsort(-scores, axis=1, kind="stable")[:, : max(depth, 2)]
    top_scores = np.take_along_axis(scores, order, axis=1)
    top, margin = top_scores[:, 0], top_scores[:, 0] - top_scores[:, 1]
    right = order[:, 0] == expected
    null_sorted = -np.sort(-unanswerable, axis=1)[:, :2]  # no entry: any answer is wrong
    null_top, null_margin = null_sorted[:, 0], null_sorted[:, 0] - null_sorted[:, 1]
    grid = np.array([(a, m) for a in ANSWER_SCORES for m in ANSWER_MARGINS])
    answers = (top[None, :] >= grid[:, :1]) & (margin[None, :] >= grid[:, 1:])
    null_answers = (null_top[None, :] >= grid[:, :1]) & (null_margin[None, :] >= grid[:, 1:])
    right_rate = (answers & right).mean(axis=1)
    wrong = (1 - share) * (answers & ~right).mean(axis=1) + share * null_answers.mean(axis=1)
    # "Not found" is for questions the KB cannot answer, but a question about a removed
    # sibling topic scores like an answerable one, so the simulation says little about the
    # cut-off. It is set from the answerable side instead: the highest grid value that turns
    # away at most `max_missed_rate` of the questions that do have an entry.
    unknown = max(
        [u for u in UNKNOWN_SCORES if (top < u).mean() <= config.max_missed_rate], default=UNKNOWN_SCORES[0]
    )
    unknown = max(unknown, UNKNOWN_FLOOR)
    floor = np.maximum(top - base.clarify_window, unknown)
    offered = ((top_scores[:, :depth] >= floor[:, None]) & (order[:, :depth] == expected[:, None])).any(
        axis=1
    )
    clarify_hit = ((~answers) & (top >= unknown) & offered).mean(axis=1)
    utility = (1 - share) * (right_rate + CLARIFY_HIT_VALUE * clarify_hit)
    best: tuple[float, float] | None = None
    chosen = (base, 0.0, 0.0, 0.0)
    for index in np.flatnonzero((wrong <= config.max_wrong_rate) & (grid[:, 0] >= unknown)):
        answer_score, answer_margin = grid[index]
        key = (round(float(utility[index]), 6), float(answer_score + answer_margin))
        if best is None or key > best:
            best = key
            limits = replace(
                base,
                answer_score=float(answer_score),
                answer_margin=float(answer_margin),
                unknown_score=unknown,
            )
            chosen = (
                limits,
                (1 - share) * float(right_rate[index]),
                float(wrong[index]),
                (1 - share) * float(clarify_hit[index]),
            )
    limits, answered_right, answered_wrong, clarified = chosen
    return Calibration(limits, len(expected), answered_right, answered_wrong, clarified)


def apply_pinned(
    calibrated: DecisionThresholds, configured: DecisionThresholds, pinned: frozenset[str]
) -> DecisionThresholds:
    """Calibrated values, except those the deployer set explicitly."""
    return replace(calibrated, **{name: getattr(configured, name) for name in pinned})


def _key(retriever: Retriever, config: CalibrationConfig, base: DecisionThresholds) -> str:
    payload = {
        "version": VERSION,
        "unknown_floor": UNKNOWN_FLOOR,
        "encoder": retriever.index_info.encoder,
        "texts": retriever._texts,
        "lexical": [retriever.lexical_document(index) for index in range(len(retriever.catalog))],
        "weights": [retriever.centroid_weight, retriever.lexical_weight],
        "budget": [config.max_wrong_rate, config.unanswerable_share, config.max_missed_rate],
        "clarify": [base.clarify_window, base.clarify_max_options],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()


def _read(path: Path | None, base: DecisionThresholds) -> Calibration | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Calibration(**{**data, "thresholds": replace(base, **data["thresholds"])})
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _write(path: Path, result: Calibration) -> None:
    """Atomically, as the embedding cache does: two processes may calibrate at once."""
    data = asdict(result)
    data.pop("from_cache"), data.pop("seconds")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".json.tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream)
        os.replace(temporary, path)
    except OSError as error:
        logger.warning("knowledge base: cannot write the calibration cache %s: %s", path, error)
