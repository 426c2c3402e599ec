"""A Rasa NLU component after FallbackClassifier: a long message refused as out of scope is read
by its cue words, one the NLU was unsure about (nlu_fallback) by DIET's own first or second
guess when that is a complaint or a question (rasa_components/long_letters.py says why). The cues and the length are this
component's configuration in config.yml. The new intent and the refused one swap confidences,
so the refused intent stays in the ranking (the agent console and the logs show what DIET
thought); the new intent keeps the higher of the two.
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

from rasa_components.intent_rewriter import IntentRewriter
from rasa_components.long_letters import compile_cues, letter_intent, unsure_letter_intent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LongLetterGuard(IntentRewriter):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "refused_intent": "out_of_scope",
            "unsure_intent": "nlu_fallback",
            "min_chars": 60,
            "cues": [],
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self._refused_intent = str(config["refused_intent"])
        self._unsure_intent = str(config["unsure_intent"])
        self._min_chars = int(config["min_chars"])
        self._cues = compile_cues(config.get("cues") or [], self._min_chars)

    def rewrite(self, message: Message) -> None:
        intent = message.get(INTENT) or {}
        refused = intent.get(INTENT_NAME_KEY)
        text = message.get(TEXT) or ""
        ranking = message.get(INTENT_RANKING_KEY) or []
        if refused == self._refused_intent:
            name = letter_intent(text, self._min_chars, self._cues)
        elif refused == self._unsure_intent:
            guesses = [
                (item.get(INTENT_NAME_KEY), item.get(PREDICTED_CONFIDENCE_KEY, 0.0))
                for item in ranking
                if item.get(INTENT_NAME_KEY) != self._unsure_intent
            ]
            name = unsure_letter_intent(text, self._min_chars, self._cues, guesses)
        else:
            return
        if name is None:
            return
        previous = next((item for item in ranking if item.get(INTENT_NAME_KEY) == name), {})
        read = {
            INTENT_NAME_KEY: name,
            PREDICTED_CONFIDENCE_KEY: max(
                intent.get(PREDICTED_CONFIDENCE_KEY, 0.0), previous.get(PREDICTED_CONFIDENCE_KEY, 0.0)
            ),
        }
        # The two swap confidences: left equal, FallbackClassifier would call them ambiguous.
        demoted = {
            INTENT_NAME_KEY: refused,
            PREDICTED_CONFIDENCE_KEY: previous.get(PREDICTED_CONFIDENCE_KEY, 0.0),
        }
        others = [item for item in ranking if item.get(INTENT_NAME_KEY) not in (name, refused)]
        message.set(INTENT, read, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [read, demoted, *others], add_to_output=True)
