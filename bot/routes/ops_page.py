"""`GET /ops`: the 12345 centre's page for supervisors (scorecard, unanswered questions,
hotspots, CSV exports). The page is a static shell; everything on it comes from the
supervisor-only /api/ops/* API after the login the agent console uses (POST /api/agent/login),
so an anonymous visitor or a plain agent sees the login form or a refusal, never a figure."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
router = APIRouter()


@router.get("/ops", include_in_schema=False)
async def ops_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "ops.html", headers={"Cache-Control": "no-store"})
