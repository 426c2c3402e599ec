"""Which life event a message names when the NLU tagged none ("我下个月就到退休年龄了": the
tagger missed 退休 inside 退休年龄). The words are the life_event synonyms of the NLU data,
so the citizen's words for an event are written down once."""

from __future__ import annotations

from functools import lru_cache

import yaml

from common.settings import PROJECT_ROOT

SYNONYMS_PATH = PROJECT_ROOT / "data" / "nlu" / "synonyms.yml"


@lru_cache(maxsize=1)
def _words_by_value() -> dict[str, tuple[str, ...]]:
    data = yaml.safe_load(SYNONYMS_PATH.read_text(encoding="utf-8"))
    words: dict[str, tuple[str, ...]] = {}
    for item in data.get("nlu", []):
        if "synonym" in item:
            lines = str(item.get("examples", "")).splitlines()
            words[str(item["synonym"])] = tuple(
                line.strip().lstrip("- ").strip() for line in lines if line.strip()
            )
    return words


def life_events_in(text: str, event_ids: list[str], ignoring: frozenset[str] = frozenset()) -> list[str]:
    """The events of `event_ids` whose words (but those in `ignoring`) occur in `text`, in
    `event_ids`' order."""
    words = _words_by_value()
    return [
        event
        for event in event_ids
        if any(word and word not in ignoring and word in text for word in words.get(event, ()))
    ]
