"""The 12345 centre's scorecard: `GET /api/ops/scorecard?from=YYYY-MM-DD&to=YYYY-MM-DD`,
supervisors only (the hotspots' login: 401 without a session, 403 for a plain agent).

The period is whole days of the city's calendar (UTC+8), a week up to today by default. The
figures per channel, the daily trend and the ticket categories come from `analytics.service`
(definitions in `analytics/scorecard.py`); `source` names where the conversations were read
("sqlite", "postgresql"), or why none were ("redis", "empty")."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.exc import SQLAlchemyError

from analytics import service
from analytics.period import Period, PeriodError
from bot.routes.agent import AgentDenied, AgentDepartments, AgentRoute
from bot.routes.ops_hotspots import Supervisor
from departments.base import DepartmentError
from departments.registry import Departments

logger = logging.getLogger(__name__)
router = APIRouter(route_class=AgentRoute)
BAD_DATE = "日期格式不对，请写成2026-12-01这样。"
DATABASE_UNAVAILABLE = "统计数据暂时读不出来，请稍后再试。"


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise AgentDenied(422, "invalid_period", BAD_DATE) from None


def chosen_period(
    first: Annotated[
        str | None, Query(alias="from", max_length=10, description="first day, YYYY-MM-DD")
    ] = None,
    last: Annotated[str | None, Query(alias="to", max_length=10, description="last day, YYYY-MM-DD")] = None,
) -> Period:
    try:
        return Period.choose(_day(first), _day(last))
    except PeriodError as error:
        raise AgentDenied(422, "invalid_period", str(error)) from None


ChosenPeriod = Annotated[Period, Depends(chosen_period)]


async def read_safely(function: Any, *args: Any) -> Any:
    """Runs a blocking analytics call in a thread; a database that cannot be read is a 503."""
    try:
        return await asyncio.to_thread(function, *args)
    except SQLAlchemyError as error:
        logger.error("ops analytics: database unavailable: %s", type(error).__name__)
        raise AgentDenied(503, "database_unavailable", DATABASE_UNAVAILABLE) from error


async def category_names(registry: Departments) -> dict[str, str]:
    """The ticket system's category names; ids alone while it is down (the figures stand)."""
    try:
        return {category.category: category.name for category in await registry.complaints.categories()}
    except DepartmentError as error:
        logger.warning("scorecard: complaint categories unavailable: %s", error)
        return {}


async def scorecard_body(request: Request, registry: Departments, period: Period) -> dict[str, Any]:
    card = await read_safely(service.scorecard, request.app.state.settings, period)
    return card.as_json(await category_names(registry))


@router.get("/api/ops/scorecard")
async def scorecard(
    request: Request, _supervisor: Supervisor, registry: AgentDepartments, period: ChosenPeriod
) -> dict[str, Any]:
    """Per channel (web, wechat, alipay, all): conversations, messages, containment, handoffs by
    reason, fallback rate, clarifications and first-choice rate, tickets, bookings, payments,
    notices sent, median reply time; `days`: the same per city day; `ticket_categories`."""
    return await scorecard_body(request, registry, period)
