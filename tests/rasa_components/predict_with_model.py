"""Run by the Rasa environment's Python for tests/rasa_components: loads a trained model the
way the Rasa server does, fails if that traces a training graph, and prints as JSON what DIET
and TED predict for the given messages: first with their prediction caches off, then twice with
them on, with the caches' hits and misses.

usage: predict_with_model.py MODEL MESSAGE...
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from rasa.core.agent import Agent  # noqa: E402
from rasa.core.channels.channel import UserMessage  # noqa: E402
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered  # noqa: E402
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402
from rasa.utils.tensorflow.models import RasaModel  # noqa: E402

from rasa_components import prediction_cache  # noqa: E402
from rasa_components.fast_loading import FastLoadingTEDPolicy  # noqa: E402

CACHES: list[prediction_cache.PredictionCache[Any]] = []


def _no_training(*_args: Any, **_kwargs: Any) -> None:
    raise AssertionError("loading the model fitted it, which traces the training graph")


async def _predict(agent: Agent, text: str, ted_node: str) -> dict[str, Any]:
    processor = agent.processor
    parse = await processor.parse_message(UserMessage(text, sender_id="test"))
    tracker = DialogueStateTracker.from_events(
        "test", [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    )
    tracker.update(UserUttered(text, parse["intent"], parse["entities"], parse))
    ted = processor.graph_runner.run(inputs={"__tracker__": tracker}, targets=[ted_node])[ted_node]
    actions = processor.domain.action_names_or_texts
    return {
        "intent": parse["intent"]["name"],
        "confidence": parse["intent"]["confidence"],
        "entities": {entity["entity"]: entity["value"] for entity in parse["entities"]},
        "ted_action": actions[ted.max_confidence_index],
        "ted_probabilities": ted.probabilities,
    }


def _record_caches() -> None:
    created = prediction_cache.PredictionCache.__init__

    def init(self: prediction_cache.PredictionCache[Any], size: int) -> None:
        created(self, size)
        CACHES.append(self)

    prediction_cache.PredictionCache.__init__ = init  # type: ignore[method-assign]


def main() -> None:
    model, *messages = sys.argv[1:]
    RasaModel.fit = _no_training
    _record_caches()
    agent = Agent.load(model)
    ted_node = next(
        name
        for name, node in agent.processor.model_metadata.predict_schema.nodes.items()
        if node.uses is FastLoadingTEDPolicy
    )
    asyncio.run(_predict(agent, messages[0], ted_node))  # the caches are made at first use
    for cache in CACHES:
        cache._entries.clear()
        cache.hits = cache.misses = 0
    passes = {}
    for name, size in (("uncached", 0), ("first", 4096), ("again", 4096)):
        for cache in CACHES:
            cache._size = size
        passes[name] = [asyncio.run(_predict(agent, text, ted_node)) for text in messages]
    passes["caches"] = [{"hits": cache.hits, "misses": cache.misses} for cache in CACHES]
    print(json.dumps(passes, ensure_ascii=False))


if __name__ == "__main__":
    main()
