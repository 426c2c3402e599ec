"""What the gateway's /api/ops routes ask of the analytics: one call per view, blocking (the
routes run them in a worker thread), each reading the stores read-only."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from analytics import records
from analytics.conversations import (
    Conversations,
    ConversationsUnavailable,
    conversations_engine,
    read_conversations,
)
from analytics.period import Period
from analytics.records import BadAnswer
from analytics.scorecard import Scorecard, build_scorecard
from analytics.unanswered import Cluster, UnansweredParams, clusters, collect
from common.database import shared_engine
from common.settings import Settings
from knowledge_base.retriever import Retriever

logger = logging.getLogger(__name__)
NO_CONVERSATIONS = Conversations([], {})


def conversations_of(settings: Settings, period: Period) -> tuple[Conversations, str]:
    """The period's turns and where they came from ("sqlite", "postgresql"), or none and why
    not ("redis": REDIS_URL keeps them where this reader does not look; "empty": none yet)."""
    try:
        engine, dialect = conversations_engine(settings)
    except ConversationsUnavailable:
        return NO_CONVERSATIONS, "redis" if settings.redis_url else "empty"
    return read_conversations(engine, period), dialect


def scorecard(settings: Settings, period: Period) -> Scorecard:
    conversations, source = conversations_of(settings, period)
    assistant = shared_engine(settings.assistant_database_url)
    return build_scorecard(
        period,
        conversations,
        records.handoffs(assistant, period),
        records.payments(assistant, period),
        records.notices(assistant, period),
        source,
    )


@dataclass(frozen=True)
class Unanswered:
    clusters: list[Cluster]
    marked_wrong: list[BadAnswer]
    source: str
    questions: int
    """All collected in the period (the groups hold the newest MAX_QUESTIONS of them)."""


def marked_wrong(settings: Settings, period: Period) -> list[BadAnswer]:
    """The agents' "answered badly" verdicts alone (the export of that table needs no grouping)."""
    return records.bad_answers(shared_engine(settings.assistant_database_url), period)


def unanswered(
    settings: Settings, period: Period, retriever: Retriever, params: UnansweredParams | None = None
) -> Unanswered:
    conversations, source = conversations_of(settings, period)
    bad = marked_wrong(settings, period)
    questions = collect(conversations, bad)
    return Unanswered(
        clusters(questions, retriever, params or UnansweredParams()), bad, source, len(questions)
    )
