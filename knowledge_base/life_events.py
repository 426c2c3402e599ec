"""Life events ("我要结婚了", "孩子刚出生") as bundles of knowledge-base topics.

A citizen facing an event rarely knows which offices are involved; the bundle lists the
services in the order they usually come up, each leading on to its own guide. The bundles
are data (life_events.yml) so content writers change them without touching code, and
loading is strict for the same reason as the catalog's: a typo must fail a test, not hide
a choice from a citizen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge_base.catalog import Catalog, CatalogError
from knowledge_base.config import PACKAGE_DIR

LIFE_EVENTS_PATH = PACKAGE_DIR / "life_events.yml"
# The canonical values of the life_event entity (CONTRACT.md's, then the ones added since);
# each needs a bundle.
LIFE_EVENT_IDS: tuple[str, ...] = (
    "marriage",
    "birth",
    "retirement",
    "house_purchase",
    "school_enrollment",
    "unemployment",
    "relocation",
    "bereavement",
    "moving_away",
)
MIN_TOPICS = 3
MAX_TOPICS = 6
_KEYS = {"id", "name", "intro", "topics"}


@dataclass(frozen=True)
class LifeEvent:
    id: str
    name: str
    """Short, for a choice button: "结婚"."""
    intro: str
    """The line above the numbered topics."""
    topics: tuple[str, ...]
    """Knowledge-base entry ids, in the order a citizen usually needs them."""


def load_life_events(path: Path = LIFE_EVENTS_PATH) -> dict[str, LifeEvent]:
    """The bundles by event id, in file order; CatalogError lists every problem at once."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise CatalogError([f"{path}: cannot be read as YAML: {error}"]) from error
    raw_events = data.get("events") if isinstance(data, Mapping) else None
    if not isinstance(raw_events, list) or not raw_events:
        raise CatalogError([f"{path}: expected a non-empty list under 'events'"])
    events: dict[str, LifeEvent] = {}
    problems: list[str] = []
    for position, raw in enumerate(raw_events, start=1):
        event, event_problems = _parse_event(raw)
        problems.extend(f"{path}: event #{position}: {problem}" for problem in event_problems)
        if event is None:
            continue
        if event.id in events:
            problems.append(f"{path}: event #{position}: id {event.id!r} used twice")
        events[event.id] = event
    problems.extend(
        f"{path}: no bundle for life event {missing!r}" for missing in LIFE_EVENT_IDS if missing not in events
    )
    if problems:
        raise CatalogError(problems)
    return events


@lru_cache(maxsize=1)
def life_events() -> dict[str, LifeEvent]:
    """The project's bundles, read once per process."""
    return load_life_events()


def bundle_problems(events: Mapping[str, LifeEvent], catalog: Catalog) -> list[str]:
    """Topics that name no knowledge-base entry."""
    return [
        f"life event {event.id!r}: topic {topic!r} is not in the knowledge base"
        for event in events.values()
        for topic in event.topics
        if topic not in catalog
    ]


def _parse_event(raw: object) -> tuple[LifeEvent | None, list[str]]:
    if not isinstance(raw, Mapping):
        return None, ["must be a mapping with id, name, intro and topics"]
    problems = [f"unknown keys {sorted(set(raw) - _KEYS)}"] if set(raw) - _KEYS else []
    texts = {key: raw.get(key) for key in ("id", "name", "intro")}
    problems.extend(
        f"'{key}' must be a non-empty string" for key, value in texts.items() if not _is_text(value)
    )
    topics = raw.get("topics")
    if not isinstance(topics, list) or not all(_is_text(topic) for topic in topics):
        problems.append("'topics' must be a list of entry ids")
    elif not MIN_TOPICS <= len(topics) <= MAX_TOPICS:
        problems.append(f"'topics' must hold {MIN_TOPICS} to {MAX_TOPICS} entries, not {len(topics)}")
    elif len(set(topics)) != len(topics):
        problems.append("'topics' repeat an entry")
    if problems:
        return None, problems
    return LifeEvent(
        id=str(texts["id"]).strip(),
        name=str(texts["name"]).strip(),
        intro=str(texts["intro"]).strip(),
        topics=tuple(str(topic).strip() for topic in topics),
    ), []


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())
