"""The government halls that service guides point at, kept in the knowledge base's content.

Guides name halls by id (`guide.halls: [G01]`); the "where" answer prints each hall's name,
address and hours. These facts live in `halls.yml` beside the entry files, so the knowledge
base is self-contained: it never reads the department sandbox's data (a deployment has no
sandbox), and a deployer who points `KB_CONTENT_DIR` at their own content brings their own
halls with it. Loading is strict for the same reason as the catalog's: a typo must fail a
test, not drop an address from an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge_base.catalog import HALLS_FILE, CatalogError

_REQUIRED = ("hall_id", "name", "address", "hours")
_OPTIONAL = ("district", "aliases")


@dataclass(frozen=True)
class Hall:
    hall_id: str
    name: str
    address: str
    hours: str
    district: str = ""
    aliases: tuple[str, ...] = ()


def halls_path(content_dir: Path) -> Path:
    return content_dir / HALLS_FILE


def load_halls(content_dir: Path) -> dict[str, Hall]:
    """The halls of one content directory by id; none when it has no halls file.

    Cached per directory: content is read once per process, like the catalog.
    """
    return _load(halls_path(content_dir).resolve())


@lru_cache(maxsize=8)
def _load(path: Path) -> dict[str, Hall]:
    halls, problems = read_halls(path.parent)
    if problems:
        raise CatalogError(problems)
    return halls


def read_halls(content_dir: Path) -> tuple[dict[str, Hall], list[str]]:
    """Uncached, with every problem: for `python -m knowledge_base check`. A content set
    without a halls file has no halls (its guides then may name none)."""
    path = halls_path(content_dir)
    return parse_halls(path) if path.is_file() else ({}, [])


def parse_halls(path: Path) -> tuple[dict[str, Hall], list[str]]:
    """The valid halls of a halls file and every problem found, each naming the file and hall."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return {}, [f"{path}: cannot be read as YAML: {error}"]
    raw_halls = data.get("halls") if isinstance(data, Mapping) else None
    if not isinstance(raw_halls, list):
        return {}, [f"{path}: expected a mapping with a 'halls' list"]
    halls: dict[str, Hall] = {}
    problems: list[str] = []
    for position, raw in enumerate(raw_halls, start=1):
        where = f"{path}: hall #{position}"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: must be a mapping")
            continue
        unknown = set(raw) - set(_REQUIRED) - set(_OPTIONAL)
        missing = [key for key in _REQUIRED if not isinstance(raw.get(key), str) or not raw[key].strip()]
        aliases = raw.get("aliases", [])
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        if missing:
            problems.append(f"{where}: {missing} must be non-empty strings")
        if not isinstance(aliases, list) or not all(isinstance(alias, str) for alias in aliases):
            problems.append(f"{where}: 'aliases' must be a list of strings")
            aliases = []
        if unknown or missing:
            continue
        hall = Hall(
            hall_id=raw["hall_id"].strip(),
            name=raw["name"].strip(),
            address=raw["address"].strip(),
            hours=raw["hours"].strip(),
            district=str(raw.get("district") or "").strip(),
            aliases=tuple(alias.strip() for alias in aliases),
        )
        if hall.hall_id in halls:
            problems.append(f"{where}: hall id {hall.hall_id!r} is used twice")
        halls[hall.hall_id] = hall
    return halls, problems
