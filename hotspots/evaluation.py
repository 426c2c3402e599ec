"""Measuring the clustering on labelled complaints (hotspots/eval/*.yml).

purity: each predicted group counts its most common true incident, divided by the number of
complaints (1.0 = no group mixes two incidents). completeness (inverse purity): each true
incident counts its largest share in one predicted group (1.0 = no incident is split). Noise
complaints are incidents of their own, so grouping noise into an incident costs purity.
The threshold and weights are chosen on dev.yml (`tune`) and reported on incidents.yml.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import yaml

from hotspots.clustering import ClusterParams, Complaint, cluster
from hotspots.encoder import embed

EVAL_DIR = Path(__file__).resolve().parent / "eval"
EVAL_SET = EVAL_DIR / "incidents.yml"
DEV_SET = EVAL_DIR / "dev.yml"
NOW = datetime.fromisoformat("2026-11-20T12:00:00+08:00")


@dataclass(frozen=True)
class LabelledSet:
    complaints: list[Complaint]
    labels: list[str]
    embeddings: np.ndarray


@dataclass(frozen=True)
class Score:
    purity: float
    completeness: float
    groups: int
    incidents: int

    @property
    def worst(self) -> float:
        return min(self.purity, self.completeness)


def load_set(path: Path) -> LabelledSet:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    complaints: list[Complaint] = []
    labels: list[str] = []

    def add(label: str, category: str, report: dict) -> None:
        complaints.append(
            Complaint(
                ticket_id=f"{label}#{len(complaints)}",
                category=category,
                text=report["text"],
                location=report.get("location"),
                created_at=NOW - timedelta(hours=float(report.get("hours_ago", 0))),
            )
        )
        labels.append(label)

    for incident in data["incidents"]:
        for report in incident["reports"]:
            add(incident["id"], incident["category"], report)
    for number, report in enumerate(data.get("noise", [])):
        add(f"noise-{number}", report["category"], report)
    return LabelledSet(complaints, labels, embed([complaint.text for complaint in complaints]))


def score(groups: list[list[int]], labels: list[str]) -> Score:
    total = len(labels)
    pure = sum(Counter(labels[i] for i in group).most_common(1)[0][1] for group in groups)
    group_of = {member: number for number, group in enumerate(groups) for member in group}
    complete = 0
    for label in set(labels):
        members = [i for i, value in enumerate(labels) if value == label]
        complete += Counter(group_of[i] for i in members).most_common(1)[0][1]
    return Score(pure / total, complete / total, len(groups), len(set(labels)))


def evaluate(labelled: LabelledSet, params: ClusterParams) -> Score:
    return score(cluster(labelled.complaints, labelled.embeddings, params), labelled.labels)


def tune(labelled: LabelledSet, base: ClusterParams | None = None) -> list[tuple[Score, ClusterParams]]:
    """Every grid point scored, best first: the highest min(purity, completeness), then the
    threshold in the middle of the plateau of equally good thresholds (robust to new data)."""
    base = base or ClusterParams()
    results: list[tuple[Score, ClusterParams]] = []
    for place_weight, time_weight, linkage in itertools.product(
        (0.0, 0.2, 0.3, 0.4, 0.5), (0.0, 0.1), ("average", "complete")
    ):
        for threshold in np.arange(0.20, 0.80, 0.02):
            params = replace(
                base,
                threshold=round(float(threshold), 2),
                place_weight=place_weight,
                time_weight=time_weight,
                linkage=linkage,
            )
            results.append((evaluate(labelled, params), params))
    return sorted(results, key=lambda item: -(item[0].worst + item[0].purity * 1e-3))


def plateau(results: list[tuple[Score, ClusterParams]]) -> tuple[ClusterParams, float, float]:
    """The best configuration's threshold range reaching the best score, and its middle."""
    best_score, best = results[0]
    same = [
        params.threshold
        for scored, params in results
        if abs(scored.worst - best_score.worst) < 1e-9
        and (params.place_weight, params.time_weight, params.linkage)
        == (best.place_weight, best.time_weight, best.linkage)
    ]
    low, high = min(same), max(same)
    return replace(best, threshold=round((low + high) / 2, 2)), low, high
