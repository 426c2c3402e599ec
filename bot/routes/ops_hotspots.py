"""The 12345 centre's complaint hotspots: `GET /api/ops/hotspots?days=N`, supervisors only.

Supervisors (SUPERVISOR_USERS, `name:salt_hex:hash_hex` like AGENT_USERS) log in through
POST /api/agent/login; this route takes the logged-in name (`current_agent`: 401 without a
session) and refuses anyone not in SUPERVISOR_USERS with 403. The hotspots come from
`hotspots.HotspotService` over the ticket system's API (CONTRACT.md, Operations).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from bot.agent_auth import parse_users
from bot.routes.agent import Agent, AgentDenied, AgentDepartments, AgentRoute
from common.masking import mask_text
from departments.base import DepartmentError
from departments.registry import Departments
from hotspots.service import shared_service

logger = logging.getLogger(__name__)
router = APIRouter(route_class=AgentRoute)
SUPERVISOR_REQUIRED = "只有12345中心的督办账号可以查看这里。"
TICKETS_UNAVAILABLE = "工单系统暂时无法访问，请稍后再试。"
HOTSPOTS_UNAVAILABLE = "热点分析暂时不可用，请稍后再试。"


def supervisors(request: Request) -> set[str]:
    value: str = getattr(request.app.state.settings, "supervisor_users", "")
    cached = getattr(request.app.state, "hotspot_supervisors", None)
    if cached is None or cached[0] != value:
        cached = (value, set(parse_users(value)))
        request.app.state.hotspot_supervisors = cached
    return cached[1]


async def current_supervisor(request: Request, name: Agent) -> str:
    """The logged-in supervisor's name: 401 without a session, 403 for a non-supervisor."""
    if name not in supervisors(request):
        raise AgentDenied(403, "supervisor_required", SUPERVISOR_REQUIRED)
    return name


Supervisor = Annotated[str, Depends(current_supervisor)]


HotspotDays = Annotated[int | None, Query(ge=1, le=90, description="the window, in days")]


async def hotspot_rows(request: Request, registry: Departments, days: int | None) -> list[dict[str, Any]]:
    """The hotspots as the page and the export show them: title and place masked, since both
    are drawn from what citizens wrote. Raises AgentDenied (503) when they cannot be computed."""
    settings = request.app.state.settings
    service = shared_service(settings.hotspots, settings.assistant_database_url)
    try:
        found = await service.hotspots(registry.complaints, days)
    except DepartmentError as error:
        logger.warning("hotspots: ticket system unavailable: %s", error)
        raise AgentDenied(503, "department_unavailable", TICKETS_UNAVAILABLE) from error
    except Exception as error:
        logger.exception("hotspots: analysis failed")
        raise AgentDenied(503, "hotspots_unavailable", HOTSPOTS_UNAVAILABLE) from error
    rows = [hotspot.as_json() for hotspot in found]
    for row in rows:
        row["title"], row["place"] = mask_text(row["title"]), mask_text(row["place"])
    return rows


@router.get("/api/ops/hotspots")
async def hotspots(
    request: Request, supervisor: Supervisor, registry: AgentDepartments, days: HotspotDays = None
) -> Any:
    """Complaints about the same problem in the same place, grouped, hottest first."""
    return {"hotspots": await hotspot_rows(request, registry, days)}
