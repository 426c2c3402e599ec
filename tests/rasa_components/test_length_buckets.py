"""DIET trains on batches of messages of about the same length (rasa_components/length_buckets.py):
every message once an epoch, batches cut from the length order, their order shuffled each epoch,
under both of Rasa's batch strategies; config.yml trains that way."""

from __future__ import annotations

import json
import random
from pathlib import Path

import yaml

from scripts.train import PROJECT_ROOT
from tests.rasa_components.rasa_python import rasa_json

# many short messages and a few long letters, as in data/: 200 messages, batches of 16
LENGTHS = [random.Random(7).choice([2, 3, 4, 5, 6, 8, 11]) for _ in range(188)] + list(range(60, 180, 10))


def _batches(strategy: str, epochs: int = 3, batch_size: int = 16) -> list[list[list[int]]]:
    report = rasa_json(
        str(Path(__file__).with_name("batch_lengths.py")),
        strategy,
        str(epochs),
        str(batch_size),
        *map(str, LENGTHS),
    )
    assert report["generator"] == "LengthBucketedBatchGenerator"
    return report["epochs"]


def _cut_from_the_length_order(batches: list[list[int]]) -> bool:
    ordered = sorted(batches, key=lambda batch: (min(batch), max(batch)))
    flat = [length for batch in ordered for length in sorted(batch)]
    return flat == sorted(flat)


def test_each_epoch_sees_every_message_once_in_batches_of_like_length() -> None:
    epochs = _batches("sequence")
    for batches in epochs:
        assert sorted(length for batch in batches for length in batch) == sorted(LENGTHS)
        assert _cut_from_the_length_order(batches)
        assert all(len(batch) == 16 for batch in batches[:-1])
        # the long letters share a batch or two instead of one in nearly every batch
        assert sum(1 for batch in batches if max(batch) >= 60) <= 2
    assert len({json.dumps(batches) for batches in epochs}) == len(epochs), "batch order never shuffled"


def test_rasa_balancing_still_applies_before_the_cut() -> None:
    for batches in _batches("balanced"):
        assert _cut_from_the_length_order(batches)
        assert set(length for batch in batches for length in batch) == set(LENGTHS)


def test_config_trains_diet_on_length_bucketed_batches() -> None:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    diet = next(item for item in config["pipeline"] if item["name"].endswith("FastLoadingDIETClassifier"))
    assert diet.get("length_bucketed_batches", True) is True
