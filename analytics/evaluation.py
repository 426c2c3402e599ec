"""Measuring the grouping of unanswered questions and the "phrasings of entry X / new entry"
advice on labelled questions (analytics/eval/*.yml).

Purity and completeness are the hotspots' measures (`hotspots.evaluation.score`); noise
questions are topics of their own. The advice is right for a topic the knowledge base has
when the group is offered as phrasings of that very entry, and for a topic it lacks when the
group is offered as a new entry. `tune` picks both values on dev.yml: the middle of the
threshold plateau with the best min(purity, completeness), and the middle of the range of
phrasing scores that advises the most dev topics right.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml

from analytics.unanswered import UnansweredParams, group, nearest_entry
from hotspots.encoder import embed
from hotspots.evaluation import Score, score
from knowledge_base.retriever import Retriever

EVAL_DIR = Path(__file__).resolve().parent / "eval"
DEV_SET = EVAL_DIR / "dev.yml"
EVAL_SET = EVAL_DIR / "eval.yml"
THRESHOLDS = [round(float(value), 2) for value in np.arange(0.20, 0.92, 0.02)]


@dataclass(frozen=True)
class LabelledQuestions:
    texts: list[str]
    labels: list[str]
    entries: dict[str, str | None]
    """topic -> its knowledge-base entry, None when the knowledge base lacks it (noise too)."""
    embeddings: np.ndarray


@dataclass(frozen=True)
class Report:
    clustering: Score
    advised_right: int
    advised: int

    @property
    def advice_accuracy(self) -> float:
        return self.advised_right / self.advised if self.advised else 0.0


def load_set(path: Path) -> LabelledQuestions:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts: list[str] = []
    labels: list[str] = []
    entries: dict[str, str | None] = {}
    for topic in data["topics"]:
        entries[topic["id"]] = topic.get("entry")
        for question in topic["questions"]:
            texts.append(question)
            labels.append(topic["id"])
    for number, question in enumerate(data.get("noise", [])):
        texts.append(question)
        labels.append(f"noise-{number}")
        entries[f"noise-{number}"] = None
    return LabelledQuestions(texts, labels, entries, embed(texts))


def advice_right(entry: str | None, nearest_id: str, score_value: float, phrasing_score: float) -> bool:
    if entry is None:
        return score_value < phrasing_score
    return score_value >= phrasing_score and nearest_id == entry


def evaluate(labelled: LabelledQuestions, retriever: Retriever, params: UnansweredParams) -> Report:
    groups = group(labelled.embeddings, params.threshold)
    right = advised = 0
    for members in groups:
        topic = Counter(labelled.labels[index] for index in members).most_common(1)[0][0]
        if topic.startswith("noise-"):
            continue  # a stray message: whatever is advised, no author acts on a single one
        nearest = nearest_entry(retriever, [labelled.texts[index] for index in members])
        advised += 1
        right += advice_right(labelled.entries[topic], nearest.entry_id, nearest.score, params.phrasing_score)
    return Report(score(groups, labelled.labels), right, advised)


def _middle_of_best(values: list[float], scores: list[float]) -> tuple[float, float, float]:
    best = max(scores)
    equal = [value for value, scored in zip(values, scores, strict=True) if abs(scored - best) < 1e-9]
    return round((min(equal) + max(equal)) / 2, 2), min(equal), max(equal)


def tune(labelled: LabelledQuestions, retriever: Retriever) -> tuple[UnansweredParams, list[str]]:
    """The parameters chosen on `labelled`, and lines saying how."""
    worst = [score(group(labelled.embeddings, t), labelled.labels).worst for t in THRESHOLDS]
    threshold, low, high = _middle_of_best(THRESHOLDS, worst)
    topics = [topic for topic in labelled.entries if not topic.startswith("noise-")]
    nearest = {
        topic: nearest_entry(
            retriever, [t for t, label in zip(labelled.texts, labelled.labels, strict=True) if label == topic]
        )
        for topic in topics
    }
    candidates = [round(float(value), 2) for value in np.arange(0.20, 0.80, 0.01)]
    right = [
        sum(advice_right(labelled.entries[t], nearest[t].entry_id, nearest[t].score, c) for t in topics)
        for c in candidates
    ]
    phrasing, p_low, p_high = _middle_of_best(candidates, [float(r) for r in right])
    lines = [
        f"threshold: min(purity, completeness) {max(worst):.3f} for {low:.2f}..{high:.2f}; chosen {threshold:.2f}",
        f"phrasing score: {max(right)}/{len(topics)} topics advised right for {p_low:.2f}..{p_high:.2f}; "
        f"chosen {phrasing:.2f}",
        *(
            f"  {topic}: nearest {nearest[topic].entry_id} {nearest[topic].score:.3f} "
            f"(true: {labelled.entries[topic] or 'new entry'})"
            for topic in topics
        ),
    ]
    return replace(UnansweredParams(), threshold=threshold, phrasing_score=phrasing), lines
