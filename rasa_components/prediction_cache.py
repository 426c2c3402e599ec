"""Answers DIET and TED have given before, reused.

Both are deterministic once trained: DIET's output depends only on the message's text (every
featurizer before it reads nothing else), TED's only on the dialogue states it featurizes (the
last `max_history` turns' intents, entity names, slot features, active loop and previous
action, and the text only when TED was trained end to end). Citizens repeat both all day: "你好",
"1", "谢谢" as texts, and far more so the states, which abstract the text away (every citizen
who asks for a bill by account number reaches the same few states). Each model call costs a
TensorFlow graph call, a third of a greeting's CPU in Rasa; a hit costs a dictionary lookup.
The cache is bounded (least recently used entries go first) and belongs to the loaded model, so
a new model starts empty.
"""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Value = TypeVar("Value")

PREDICTION_CACHE_SIZE = "prediction_cache_size"
DEFAULT_PREDICTION_CACHE_SIZE = 4096


class PredictionCache(Generic[Value]):
    """A bounded least-recently-used map whose values are handed out as copies, so a caller
    that changes what it got cannot change what the next caller gets."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[str, Value] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: str, compute: Callable[[], Value]) -> Value:
        if self._size <= 0:
            return compute()
        if key in self._entries:
            self._entries.move_to_end(key)
            self.hits += 1
            return copy.deepcopy(self._entries[key])
        self.misses += 1
        value = compute()
        self._entries[key] = copy.deepcopy(value)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return value


def states_key(*states: object) -> str:
    """One string for featurized dialogue states (dicts of strings, numbers and tuples)."""
    return json.dumps(states, sort_keys=True, ensure_ascii=False, default=str)
