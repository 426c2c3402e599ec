"""The knowledge base as typed entries, loaded from the YAML files the content writers edit.

Loading is strict (unknown keys, wrong types, duplicate ids all fail) because a typo in a
content file would otherwise surface as a silently missing answer in front of a citizen.
Every problem is reported at once, each naming its file and entry, so a writer fixes a
whole file in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import yaml

EntryKind = Literal["guide", "faq"]
ENTRY_KINDS: tuple[str, ...] = ("guide", "faq")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$")

_ENTRY_REQUIRED = {"id", "kind", "question", "answer"}
_ENTRY_OPTIONAL = {"alternatives", "keywords", "guide"}
_GUIDE_TEXT_REQUIRED = ("where", "hours", "fee", "time_limit", "online")
_GUIDE_TEXT_OPTIONAL = ("who",)
_GUIDE_LISTS_REQUIRED = ("materials", "steps")
_GUIDE_LISTS_OPTIONAL = ("halls",)
HALLS_FILE = "halls.yml"
"""Not an entry file: the halls guides point at (see knowledge_base/halls.py)."""
_GUIDE_KEYS = set(_GUIDE_TEXT_REQUIRED + _GUIDE_TEXT_OPTIONAL + _GUIDE_LISTS_REQUIRED + _GUIDE_LISTS_OPTIONAL)


class CatalogError(ValueError):
    """Invalid content; `problems` lists every one found, each naming file and entry."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("knowledge base content is invalid:\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class Guide:
    """The concrete facts of a service guide: what to bring, where to go, what it costs."""

    materials: tuple[str, ...]
    steps: tuple[str, ...]
    where: str
    hours: str
    fee: str
    time_limit: str
    online: str
    who: str = ""
    halls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    id: str
    kind: EntryKind
    question: str
    answer: str
    theme: str
    source: Path
    alternatives: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    guide: Guide | None = None

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The canonical question first, then the alternatives: what a citizen might type."""
        return (self.question, *self.alternatives)


class Catalog:
    """All entries in file order, with lookups by id."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries: tuple[Entry, ...] = tuple(entries)
        self._by_id = {entry.id: entry for entry in self.entries}
        if len(self._by_id) != len(self.entries):
            raise CatalogError(_duplicate_id_problems(self.entries))

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def get(self, entry_id: str) -> Entry:
        """The entry with this id; KeyError names the id so a stale reference is easy to find."""
        try:
            return self._by_id[entry_id]
        except KeyError:
            raise KeyError(f"no knowledge-base entry with id {entry_id!r}") from None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)


def load_catalog(content_dir: Path) -> Catalog:
    """Every `*.yml`/`*.yaml` file under `content_dir` but the halls file, sorted by path so ids
    keep a stable order."""
    files = sorted(
        path for path in [*content_dir.glob("*.yml"), *content_dir.glob("*.yaml")] if path.name != HALLS_FILE
    )
    if not files:
        raise CatalogError([f"{content_dir}: no content files (*.yml)"])
    entries: list[Entry] = []
    problems: list[str] = []
    for path in files:
        file_entries, file_problems = parse_content_file(path)
        entries.extend(file_entries)
        problems.extend(file_problems)
    problems.extend(_duplicate_id_problems(entries))
    if problems:
        raise CatalogError(problems)
    return Catalog(entries)


def parse_content_file(path: Path) -> tuple[list[Entry], list[str]]:
    """The valid entries of one file and the problems of the invalid ones."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return [], [f"{path}: cannot be read as YAML: {error}"]
    if not isinstance(data, Mapping):
        return [], [f"{path}: expected a mapping with 'theme' and 'entries'"]
    problems: list[str] = []
    theme = data.get("theme")
    if not isinstance(theme, str) or not theme.strip():
        problems.append(f"{path}: 'theme' must be a non-empty string")
        theme = ""
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        return [], [*problems, f"{path}: 'entries' must be a non-empty list"]
    extra = set(data) - {"theme", "entries"}
    if extra:
        problems.append(f"{path}: unknown top-level keys {sorted(extra)}")
    entries: list[Entry] = []
    for position, raw in enumerate(raw_entries, start=1):
        where = _entry_label(path, position, raw)
        entry_problems: list[str] = []
        entry = _parse_entry(raw, theme.strip(), path, entry_problems)
        problems.extend(f"{where}: {problem}" for problem in entry_problems)
        if entry is not None and not entry_problems:
            entries.append(entry)
    return entries, problems


def _entry_label(path: Path, position: int, raw: object) -> str:
    entry_id = raw.get("id") if isinstance(raw, Mapping) else None
    return f"{path}: entry #{position}" + (f" ({entry_id})" if isinstance(entry_id, str) else "")


def _parse_entry(raw: object, theme: str, path: Path, problems: list[str]) -> Entry | None:
    if not isinstance(raw, Mapping):
        problems.append("must be a mapping")
        return None
    missing = _ENTRY_REQUIRED - set(raw)
    if missing:
        problems.append(f"missing keys {sorted(missing)}")
    unknown = set(raw) - _ENTRY_REQUIRED - _ENTRY_OPTIONAL
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    entry_id = _text(raw, "id", problems)
    if entry_id and not ID_PATTERN.match(entry_id):
        problems.append(f"id {entry_id!r} must be lowercase words joined by '.', e.g. 'passport.apply'")
    kind = _text(raw, "kind", problems)
    if kind and kind not in ENTRY_KINDS:
        problems.append(f"kind must be one of {list(ENTRY_KINDS)}, not {kind!r}")
    question = _text(raw, "question", problems)
    answer = _text(raw, "answer", problems)
    alternatives = _texts(raw, "alternatives", problems, required=False)
    keywords = _texts(raw, "keywords", problems, required=False)
    guide = None
    if raw.get("guide") is not None:
        guide = _parse_guide(raw["guide"], problems)
    elif kind == "guide":
        problems.append("kind 'guide' needs a 'guide' block (materials, steps, where, hours, fee, ...)")
    if len(set(alternatives) | {question}) != len(alternatives) + 1:
        problems.append("alternatives repeat the question or each other")
    if problems:
        return None
    return Entry(
        id=entry_id,
        kind=cast(EntryKind, kind),
        question=question,
        answer=answer,
        theme=theme,
        source=path,
        alternatives=alternatives,
        keywords=keywords,
        guide=guide,
    )


def _parse_guide(raw: object, problems: list[str]) -> Guide | None:
    if not isinstance(raw, Mapping):
        problems.append("'guide' must be a mapping")
        return None
    unknown = set(raw) - _GUIDE_KEYS
    if unknown:
        problems.append(f"guide has unknown keys {sorted(unknown)}")
    guide_problems: list[str] = []
    texts = {key: _text(raw, key, guide_problems) for key in _GUIDE_TEXT_REQUIRED}
    texts |= {key: _text(raw, key, guide_problems, required=False) for key in _GUIDE_TEXT_OPTIONAL}
    lists = {key: _texts(raw, key, guide_problems) for key in _GUIDE_LISTS_REQUIRED}
    lists |= {key: _texts(raw, key, guide_problems, required=False) for key in _GUIDE_LISTS_OPTIONAL}
    problems.extend(f"guide: {problem}" for problem in guide_problems)
    if guide_problems:
        return None
    return Guide(**texts, **lists)


# A space YAML's folded blocks (`>-`) put where a writer broke a line between two Chinese
# characters or punctuation marks; Chinese text has no spaces there.
_FOLDED_SPACE = re.compile(
    r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])"
)


def unfold(text: str) -> str:
    return _FOLDED_SPACE.sub("", text)


def _text(raw: Mapping[str, Any], key: str, problems: list[str], required: bool = True) -> str:
    """A non-empty string; YAML numbers are accepted (a fee of `0` is plain text to a writer)."""
    value = raw.get(key)
    if value is None and not required:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"'{key}' must be a non-empty string, got {value!r}")
        return ""
    return unfold(value.strip())


def _texts(raw: Mapping[str, Any], key: str, problems: list[str], required: bool = True) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None and not required:
        return ()
    if not isinstance(value, list) or (required and not value):
        problems.append(f"'{key}' must be a {'non-empty ' if required else ''}list of strings")
        return ()
    bad = [item for item in value if not isinstance(item, str) or not item.strip()]
    if bad:
        problems.append(f"'{key}' holds items that are not non-empty strings: {bad!r}")
        return ()
    return tuple(item.strip() for item in value)


def _duplicate_id_problems(entries: tuple[Entry, ...] | list[Entry]) -> list[str]:
    first_seen: dict[str, Path] = {}
    problems: list[str] = []
    for entry in entries:
        if entry.id in first_seen:
            problems.append(f"{entry.source}: entry ({entry.id}): id already used in {first_seen[entry.id]}")
        else:
            first_seen[entry.id] = entry.source
    return problems
