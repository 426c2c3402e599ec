"""Checks that span the whole knowledge base, beyond what loading one entry can see.

The test suite runs `content_problems()` over the real content, so a content change that
drops a contract topic, points at an unknown hall or leaks a held-out question into the
index fails CI with a message naming the culprit.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from knowledge_base.catalog import Catalog, CatalogError, load_catalog
from knowledge_base.config import DEFAULT_CONTENT_DIR, DEFAULT_EVAL_DIR
from knowledge_base.contract_topics import CONTRACT_TOPICS
from knowledge_base.halls import read_halls
from knowledge_base.heldout import HeldoutQuestion, heldout_files, load_heldout
from knowledge_base.text import normalize


def content_problems(content_dir: Path = DEFAULT_CONTENT_DIR, eval_dir: Path = DEFAULT_EVAL_DIR) -> list[str]:
    """Every problem in the content and held-out files; empty when all is well."""
    try:
        catalog = load_catalog(content_dir)
    except CatalogError as error:
        return error.problems
    heldout: list[HeldoutQuestion] = []
    problems: list[str] = []
    for path in heldout_files(eval_dir):
        try:
            heldout.extend(load_heldout(path))
        except ValueError as error:
            problems.append(str(error))
    halls, hall_problems = read_halls(content_dir)
    return (
        problems + hall_problems + contract_problems(catalog) + catalog_problems(catalog, set(halls), heldout)
    )


def contract_problems(catalog: Catalog) -> list[str]:
    """Contract topic ids with no entry."""
    return [
        f"contract topic {topic!r} ({title}) has no entry"
        for topic, title in CONTRACT_TOPICS.items()
        if topic not in catalog
    ]


def catalog_problems(
    catalog: Catalog, hall_ids: set[str], heldout: Iterable[HeldoutQuestion] = ()
) -> list[str]:
    """Unknown hall ids, a phrasing shared by two entries, held-out questions that point at
    no entry or are indexed verbatim."""
    problems: list[str] = []
    for entry in catalog:
        unknown = [hall for hall in (entry.guide.halls if entry.guide else ()) if hall not in hall_ids]
        if unknown:
            problems.append(
                f"{entry.source}: entry ({entry.id}): unknown hall ids {unknown}, known: {sorted(hall_ids)}"
            )
    owner_of_phrasing: dict[str, str] = {}
    for entry in catalog:
        for phrasing in entry.phrasings:
            owner = owner_of_phrasing.setdefault(normalize(phrasing), entry.id)
            if owner != entry.id:
                problems.append(
                    f"{entry.source}: entry ({entry.id}): phrasing {phrasing!r} also belongs to {owner}"
                )
    for question in heldout:
        if question.expected is not None and question.expected not in catalog:
            problems.append(f"{question.source}: {question.text!r} expects unknown id {question.expected!r}")
        if normalize(question.text) in owner_of_phrasing:
            problems.append(
                f"{question.source}: {question.text!r} is indexed verbatim, so it measures nothing"
            )
    return problems


def known_hall_ids(content_dir: Path = DEFAULT_CONTENT_DIR) -> set[str]:
    """Hall ids from the content's own halls file (knowledge_base/content/halls.yml)."""
    halls, _ = read_halls(content_dir)
    return set(halls)
