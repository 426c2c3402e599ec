"""Unanswered and badly answered questions for the knowledge-base authors:
`GET /api/ops/unanswered?from=&to=`, supervisors only.

Groups of questions alike in meaning (`analytics.unanswered`), biggest first, each with its
examples (masked), why they went unanswered, the nearest knowledge-base entry and the advice:
`add_phrasings` (add them as phrasings of that entry) or `new_entry`; the agents' "answered
badly" verdicts of the period (`marked_wrong`) are grouped with them and listed on their own."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request

from analytics import service
from analytics.period import Period
from analytics.records import BadAnswer
from bot.routes.agent import AgentDenied, AgentRoute
from bot.routes.ops_hotspots import Supervisor
from bot.routes.ops_scorecard import ChosenPeriod, read_safely
from knowledge_base.config import ServiceConfig
from knowledge_base.loader import RetrieverUnavailable, shared_retriever

logger = logging.getLogger(__name__)
router = APIRouter(route_class=AgentRoute)
KB_LOADING = "知识库还在加载，请稍后再试。"


def marked_wrong_rows(bad_answers: list[BadAnswer]) -> list[dict[str, str]]:
    return [
        {"text": bad.text, "suggestion_id": bad.suggestion_id, "agent": bad.agent, "at": bad.at.isoformat()}
        for bad in bad_answers
    ]


async def marked_wrong_body(request: Request, period: Period) -> list[dict[str, str]]:
    return marked_wrong_rows(await read_safely(service.marked_wrong, request.app.state.settings, period))


async def unanswered_body(request: Request, period: Period) -> dict[str, Any]:
    wait = ServiceConfig.from_env().wait_seconds
    try:
        retriever = await read_safely(shared_retriever().get, wait)
    except RetrieverUnavailable as error:
        raise AgentDenied(503, "kb_unavailable", KB_LOADING) from error
    found = await read_safely(service.unanswered, request.app.state.settings, period, retriever)
    return {
        "period": period.as_json(),
        "source": found.source,
        "questions": found.questions,
        "clusters": [cluster.as_json(number) for number, cluster in enumerate(found.clusters, start=1)],
        "marked_wrong": marked_wrong_rows(found.marked_wrong),
    }


@router.get("/api/ops/unanswered")
async def unanswered(request: Request, _supervisor: Supervisor, period: ChosenPeriod) -> dict[str, Any]:
    return await unanswered_body(request, period)
