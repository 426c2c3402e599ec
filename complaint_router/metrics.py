"""Routing figures from a probability matrix: accuracy, macro-F1, top-k, calibration.

numpy only, so the benchmark, the training command and the tests report the same numbers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Figures:
    n: int
    accuracy: float
    macro_f1: float
    top3: float
    ece: float
    """Expected calibration error of the top probability (10 equal-width bins)."""
    nll: float
    mean_confidence: float
    per_category_f1: dict[str, float]


def f1_per_class(labels: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    scores = np.zeros(classes)
    for index in range(classes):
        true_positive = np.sum((predicted == index) & (labels == index))
        predicted_count, actual_count = np.sum(predicted == index), np.sum(labels == index)
        if predicted_count + actual_count:
            scores[index] = 2 * true_positive / (predicted_count + actual_count)
    return scores


def expected_calibration_error(
    probabilities: np.ndarray, labels: np.ndarray, bins: int = CALIBRATION_BINS
) -> float:
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            error += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(error)


def figures(probabilities: np.ndarray, labels: np.ndarray, classes: list[str]) -> Figures:
    """Figures over the categories that occur in `labels` (macro-F1 ignores absent ones)."""
    predicted = probabilities.argmax(axis=1)
    top3 = np.argsort(-probabilities, axis=1)[:, :3]
    present = sorted(set(labels.tolist()))
    f1 = f1_per_class(labels, predicted, len(classes))
    return Figures(
        n=len(labels),
        accuracy=float(np.mean(predicted == labels)),
        macro_f1=float(np.mean(f1[present])),
        top3=float(np.mean([label in row for label, row in zip(labels, top3, strict=True)])),
        ece=expected_calibration_error(probabilities, labels),
        nll=float(-np.log(np.maximum(probabilities[np.arange(len(labels)), labels], 1e-12)).mean()),
        mean_confidence=float(probabilities.max(axis=1).mean()),
        per_category_f1={classes[index]: float(f1[index]) for index in present},
    )
