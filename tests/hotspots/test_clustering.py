"""Clustering on the labelled complaints: the eval set's purity and completeness (printed),
with the thresholds chosen on the dev set, and the place reading behind it."""

from __future__ import annotations

from dataclasses import fields

import pytest

from common.settings import HotspotSettings
from hotspots.clustering import ClusterParams
from hotspots.evaluation import DEV_SET, EVAL_SET, evaluate, load_set, score
from hotspots.places import bigrams, normalise, place_of, place_similarity
from hotspots.service import params_of


@pytest.fixture(scope="module")
def eval_set():
    return load_set(EVAL_SET)


def test_eval_set_purity_and_completeness(eval_set, capsys: pytest.CaptureFixture[str]) -> None:
    params = params_of(HotspotSettings())
    scored = evaluate(eval_set, params)
    with capsys.disabled():
        print(
            f"\nhotspots eval set: {len(eval_set.labels)} complaints, {scored.incidents} incidents "
            f"(noise included), {scored.groups} groups at threshold {params.threshold}: "
            f"purity {scored.purity:.3f}, completeness {scored.completeness:.3f}"
        )
    assert scored.purity >= 0.9
    assert scored.completeness >= 0.9


def test_the_eval_set_is_not_the_dev_set() -> None:
    dev, evaluation = load_set(DEV_SET), load_set(EVAL_SET)
    assert not {c.text for c in dev.complaints} & {c.text for c in evaluation.complaints}
    assert not set(dev.labels) & {label for label in evaluation.labels if not label.startswith("noise")}


def test_the_settings_defaults_are_the_measured_parameters() -> None:
    measured = ClusterParams()
    assert params_of(HotspotSettings()) == measured
    assert {field.name for field in fields(HotspotSettings)} >= {"distance_threshold", "place_weight"}


def test_different_categories_never_share_a_group(eval_set) -> None:
    from hotspots.clustering import cluster

    for group in cluster(eval_set.complaints, eval_set.embeddings, ClusterParams(threshold=5.0)):
        assert len({eval_set.complaints[i].category for i in group}) == 1


def test_score_counts_mixed_and_split_groups() -> None:
    labels = ["a", "a", "b", "b"]
    assert score([[0, 1], [2, 3]], labels).worst == 1.0
    mixed = score([[0, 1, 2, 3]], labels)
    assert mixed.purity == 0.5 and mixed.completeness == 1.0
    split = score([[0], [1], [2], [3]], labels)
    assert split.purity == 1.0 and split.completeness == 0.5


@pytest.mark.parametrize(
    ("location", "description", "place"),
    [
        ("环翠区文化中路88号门口", "油烟太大", "文化中路88号"),
        (None, "我们锦华小区又停水了", "锦华小区"),
        ("楼下", "统一路路灯不亮", "统一路"),
        (None, "楼下太吵了", ""),
        (None, "路灯坏了", ""),
    ],
)
def test_place_of_a_ticket(location: str | None, description: str, place: str) -> None:
    assert place_of(location, description) == place


def test_a_short_mention_of_a_longer_address_is_the_same_place() -> None:
    assert place_similarity(bigrams("文化中路"), bigrams(normalise("环翠区文化中路88号"))) == 1.0
    assert place_similarity(bigrams("锦华小区"), bigrams("海景花园")) == 0.0
    assert place_similarity(bigrams(""), bigrams("海景花园")) is None
