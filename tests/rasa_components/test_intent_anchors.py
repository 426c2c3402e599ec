"""The anchor guard of config.yml (rasa_components/anchor_guard.py): off-topic requests that DIET
puts on a task-starting intent are refused, and no training example of a guarded intent is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from rasa_components.intent_anchors import compile_anchors, lacks_anchor

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def _guard_config() -> dict:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    (guard,) = [item for item in config["pipeline"] if item["name"].endswith("IntentAnchorGuard")]
    return guard


ANCHORS = compile_anchors(_guard_config()["anchors"])


def _training_examples() -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                texts = [
                    ANNOTATION.sub(r"\1", line[2:])
                    for line in block["examples"].splitlines()
                    if line.startswith("- ")
                ]
                examples.setdefault(block["intent"], []).extend(texts)
    return examples


def test_the_guard_runs_after_diet_and_before_the_fallback() -> None:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [item["name"].rsplit(".", 1)[-1] for item in config["pipeline"]]
    assert (
        names.index("FastLoadingDIETClassifier")
        < names.index("IntentAnchorGuard")
        < names.index("FallbackClassifier")
    )


@pytest.mark.parametrize("intent", sorted(ANCHORS))
def test_every_training_example_of_a_guarded_intent_keeps_its_intent(intent: str) -> None:
    refused = [text for text in _training_examples()[intent] if lacks_anchor(intent, text, ANCHORS)]
    assert not refused, f"{intent}: the anchors of config.yml refuse its own examples {refused}"


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("pay_bill", "把音量调大点"),
        ("query_bill", "45与32相差多少"),
        ("subscribe_notice", "设一个下午三点的提醒 开会"),
        ("subscribe_notice", "周五提醒我给孩子交班费"),
        ("human_handoff", "打电话给张三"),
        ("help", "教教我糖醋里脊咋做"),
        ("bot_challenge", "什么东西越洗越脏"),
        ("book_appointment", "把音量调大点"),
    ],
)
def test_off_topic_requests_lack_the_anchor_of_the_task_diet_guessed(intent: str, text: str) -> None:
    if intent not in ANCHORS:
        pytest.skip(f"{intent} is not guarded")
    assert lacks_anchor(intent, text, ANCHORS)


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("pay_bill", "帮我把电费交了 0531880002"),
        ("query_bill", "户号3100012345九月份水费多少"),
        ("subscribe_notice", "停水了提前告诉我"),
        ("human_handoff", "有没有活人啊，我要找人说话"),
        ("help", "你能干什么"),
        ("bot_challenge", "你是机器人吗"),
        ("pay_bill", "/pay_bill"),
    ],
)
def test_city_requests_keep_their_intent(intent: str, text: str) -> None:
    assert not lacks_anchor(intent, text, ANCHORS)
