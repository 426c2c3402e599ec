"""A Rasa NLU component after DIET: an intent whose anchor words are missing becomes out_of_scope.

See rasa_components/intent_anchors.py for why. The anchors are this component's configuration
in config.yml, so a city can widen them without code; the original intent stays second in the
ranking (the agent console and the logs still show what DIET thought), with its confidence, so
FallbackClassifier after this component still turns an unsure message into nlu_fallback.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from rasa_components.intent_anchors import compile_anchors, lacks_anchor
from rasa_components.intent_rewriter import IntentRewriter


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntentAnchorGuard(IntentRewriter):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"refuse_intent": "out_of_scope", "anchors": {}}

    def __init__(self, config: dict[str, Any]) -> None:
        self._refuse_intent = str(config["refuse_intent"])
        self._anchors = compile_anchors(config.get("anchors") or {})

    def rewrite(self, message: Message) -> None:
        intent = message.get(INTENT) or {}
        name = intent.get(INTENT_NAME_KEY)
        if not name or not lacks_anchor(name, message.get(TEXT) or "", self._anchors):
            return
        confidence = intent.get(PREDICTED_CONFIDENCE_KEY, 0.0)
        refused = {INTENT_NAME_KEY: self._refuse_intent, PREDICTED_CONFIDENCE_KEY: confidence}
        ranking = [
            item
            for item in message.get(INTENT_RANKING_KEY) or []
            if item.get(INTENT_NAME_KEY) != self._refuse_intent
        ]
        message.set(INTENT, refused, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [refused, *ranking], add_to_output=True)
