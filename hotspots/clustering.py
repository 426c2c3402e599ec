"""Grouping complaints about the same problem in the same place into hotspots.

Distance between two tickets of the same category (tickets of different categories are never
grouped: each category is clustered on its own):

    d = (1 - w_place - w_time) * (1 - cos(e_i, e_j))     meaning, from the retriever's encoder
        + w_place * (1 - place_similarity)                place bigram overlap (0.5 if unknown)
        + w_time * min(1, |t_i - t_j| / time_scale)       time apart

scikit-learn's AgglomerativeClustering (average linkage, precomputed distances) cuts the
tree at `threshold`. The weights and the threshold were chosen on the dev set
(hotspots/eval/dev.yml) and are reported on the separate eval set (`python -m hotspots eval`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from hotspots.places import bigrams, place_of, place_similarity

UNKNOWN_PLACE_DISTANCE = 0.5


@dataclass(frozen=True)
class ClusterParams:
    """Measured on hotspots/eval/dev.yml (python -m hotspots tune); see README, Hotspots."""

    threshold: float = 0.53
    place_weight: float = 0.2
    time_weight: float = 0.0
    time_scale_hours: float = 72.0
    linkage: str = "average"


@dataclass(frozen=True)
class Complaint:
    """What clustering needs of a ticket."""

    ticket_id: str
    category: str
    text: str
    location: str | None
    created_at: datetime

    @property
    def place(self) -> str:
        return place_of(self.location, self.text)


def distances(complaints: list[Complaint], embeddings: np.ndarray, params: ClusterParams) -> np.ndarray:
    """The pairwise distance matrix of complaints of one category (formula in the module doc)."""
    meaning = 1.0 - np.clip(embeddings @ embeddings.T, -1.0, 1.0)
    places = [bigrams(complaint.place) for complaint in complaints]
    size = len(complaints)
    place = np.full((size, size), UNKNOWN_PLACE_DISTANCE)
    for i in range(size):
        for j in range(i, size):
            similarity = place_similarity(places[i], places[j])
            if similarity is not None:
                place[i, j] = place[j, i] = 1.0 - similarity
    hours = np.array([complaint.created_at.timestamp() / 3600 for complaint in complaints])
    apart = np.minimum(1.0, np.abs(hours[:, None] - hours[None, :]) / params.time_scale_hours)
    semantic_weight = 1.0 - params.place_weight - params.time_weight
    matrix = semantic_weight * meaning + params.place_weight * place + params.time_weight * apart
    # Two known places with nothing in common are two incidents, however alike the words:
    # a hotspot is one problem in one place.
    matrix[place >= 1.0] = 1.0
    np.fill_diagonal(matrix, 0.0)
    return np.maximum(matrix, 0.0)


def cut_tree(distances: np.ndarray, threshold: float, linkage: str = "average") -> list[list[int]]:
    """Row indices of a precomputed distance matrix grouped by agglomerative clustering cut at
    `threshold` (singletons included), in no particular order. scikit-learn is imported on first
    use: at import time it would cost every process that merely can cluster (the gateway, the
    action server) about 66 MB and seconds of its start."""
    if len(distances) < 2:
        return [[index] for index in range(len(distances))]
    from sklearn.cluster import AgglomerativeClustering

    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage=linkage, distance_threshold=threshold
    ).fit_predict(distances)
    found: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        found[int(label)].append(index)
    return list(found.values())


def cluster(complaints: list[Complaint], embeddings: np.ndarray, params: ClusterParams) -> list[list[int]]:
    """Groups of indices into `complaints` (singletons included), largest first."""
    by_category: dict[str, list[int]] = defaultdict(list)
    for index, complaint in enumerate(complaints):
        by_category[complaint.category].append(index)
    groups: list[list[int]] = []
    for members in by_category.values():
        matrix = distances([complaints[i] for i in members], embeddings[members], params)
        for found in cut_tree(matrix, params.threshold, params.linkage):
            groups.append([members[i] for i in found])
    return sorted(groups, key=lambda group: (-len(group), min(group)))
