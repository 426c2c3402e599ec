"""The Rasa server starts in seconds only while config.yml uses the fast-loading DIET and TED
(rasa_components/fast_loading.py) and they load the trained model for prediction alone."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from scripts.stack import RASA_BIN
from scripts.train import PROJECT_ROOT, ensure_model
from tests.rasa_components.rasa_python import rasa_json

FAST_LOADING = "rasa_components.fast_loading"


def test_config_uses_the_fast_loading_components() -> None:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [item["name"] for item in config["pipeline"] + config["policies"]]
    assert f"{FAST_LOADING}.FastLoadingDIETClassifier" in names
    assert f"{FAST_LOADING}.FastLoadingTEDPolicy" in names
    assert not {"DIETClassifier", "TEDPolicy"} & set(names)


def test_trained_model_loads_without_its_training_graph_and_predicts() -> None:
    """Loads the model as the server does, in the Rasa environment, which fails if a model is
    fitted on load; what DIET and TED then predict shows that their weights were restored."""
    model = os.environ.get("STACK_MODEL") or str(ensure_model(RASA_BIN))
    messages = ["上个月电费交了没", "楼下烧烤店油烟太大了", "护照怎么办", "我要结婚了要办什么"]
    passes = rasa_json(str(Path(__file__).with_name("predict_with_model.py")), model, *messages)
    predictions = passes["first"]
    assert [(item["intent"], item["entities"]) for item in predictions] == [
        ("query_bill", {"date": "上个月", "bill_type": "electricity"}),
        ("file_complaint", {"complaint_category": "environment"}),
        ("ask_service_guide", {"service_item": "passport.apply"}),
        ("life_event", {"life_event": "marriage"}),
    ]
    # TED's own choice after the opening message, where it learned one clearly from the stories
    assert [item["ted_action"] for item in predictions[1:]] == [
        "action_prepare_complaint",
        "action_service_guide",
        "action_life_event",
    ]


def test_cached_predictions_are_the_models_own() -> None:
    """DIET's and TED's caches (rasa_components/prediction_cache.py) answer a repeated message
    and dialogue state with exactly what the model computes without them."""
    model = os.environ.get("STACK_MODEL") or str(ensure_model(RASA_BIN))
    messages = ["你好", "查水费户号3100012345", "你好", "楼下烧烤店油烟太大了"]
    passes = rasa_json(str(Path(__file__).with_name("predict_with_model.py")), model, *messages)
    assert passes["uncached"] == passes["first"] == passes["again"]
    caches = passes["caches"]
    assert len(caches) == 2, caches  # DIET's and TED's
    # uncached: nothing stored; first pass: "你好" hit once; again: every message a hit
    assert all(cache["misses"] == 3 and cache["hits"] == 1 + len(messages) for cache in caches), caches


def test_training_traces_each_train_step_once(tmp_path: Path) -> None:
    """DIET's and TED's weights and optimizer slots are made before the train step is traced
    (`_build_for_training`): a traced step that creates variables is traced twice, 10-15 s of
    a training each time on 2 cores."""
    trained = rasa_json(str(Path(__file__).with_name("train_tiny.py")), str(tmp_path), timeout_seconds=600)
    assert trained["code"] == 0
    assert trained["traces"] == {"_DIETLoadedForPrediction": 1, "_TEDLoadedForPrediction": 1}
