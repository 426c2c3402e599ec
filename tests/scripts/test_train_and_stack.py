from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from scripts.stack import render_endpoints
from scripts.train import MODEL_INPUTS, PROJECT_ROOT, inputs_hash


def _copy_inputs(target: Path) -> None:
    for name in MODEL_INPUTS:
        source = PROJECT_ROOT / name
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, destination)
        else:
            shutil.copyfile(source, destination)


def test_model_hash_changes_with_training_data_only(tmp_path: Path) -> None:
    _copy_inputs(tmp_path)
    first = inputs_hash(tmp_path)
    assert inputs_hash(tmp_path) == first
    (tmp_path / "README.md").write_text("docs do not retrain", encoding="utf-8")
    assert inputs_hash(tmp_path) == first
    with (tmp_path / "data" / "nlu" / "basics.yml").open("a", encoding="utf-8") as nlu:
        nlu.write("\n")
    assert inputs_hash(tmp_path) != first


def test_model_hash_covers_the_rasa_components_but_not_their_bytecode(tmp_path: Path) -> None:
    _copy_inputs(tmp_path)
    first = inputs_hash(tmp_path)
    bytecode = tmp_path / "rasa_components" / "__pycache__"
    bytecode.mkdir(exist_ok=True)
    (bytecode / "fast_loading.cpython-311.pyc").write_bytes(b"compiled by the Rasa process")
    assert inputs_hash(tmp_path) == first
    with (tmp_path / "rasa_components" / "fast_loading.py").open("a", encoding="utf-8") as module:
        module.write("\n")
    assert inputs_hash(tmp_path) != first


def test_endpoints_use_redis_only_when_configured(tmp_path: Path) -> None:
    """Conversations are durable by default (SQLite in the state directory); Redis when set."""
    plain = yaml.safe_load(
        render_endpoints({"ACTION_SERVER_URL": "http://127.0.0.1:7000"}, tmp_path).read_text()
    )
    assert plain == {
        "action_endpoint": {"url": "http://127.0.0.1:7000/webhook"},
        "tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(tmp_path / "conversations.db")},
    }
    env = {"ACTION_SERVER_URL": "http://127.0.0.1:7000", "REDIS_URL": "redis://:pw@10.0.0.5:6380/2"}
    with_redis = yaml.safe_load(render_endpoints(env, tmp_path).read_text())
    assert with_redis["tracker_store"] == {
        "type": "redis",
        "url": "10.0.0.5",
        "port": 6380,
        "password": "pw",
        "db": 2,
        "key_prefix": "citizen",
        "record_exp": 30 * 24 * 3600,
    }
    assert with_redis["lock_store"]["db"] == 3
