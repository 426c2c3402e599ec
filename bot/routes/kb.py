"""Knowledge-base search for the agent console and integrators: GET /api/kb/search (CONTRACT.md).

The retriever loads in a background thread (started with the gateway when KB_PRELOAD is
on), so a slow or missing encoder never delays or breaks the gateway's other routes; until
it is ready, or if it failed, this route answers 503 with a polite message.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from knowledge_base.config import ServiceConfig
from knowledge_base.loader import BackgroundRetriever, RetrieverUnavailable, shared_retriever

logger = logging.getLogger(__name__)
MAX_RESULTS = 10
MAX_QUERY_CHARS = 500
KB_UNAVAILABLE = "知识库正在准备中，请稍后再试，或拨打12345市民服务热线。"


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    if ServiceConfig.from_env().preload:
        shared_retriever().start()
    yield


router = APIRouter(prefix="/api/kb", lifespan=lifespan)


def knowledge_base() -> BackgroundRetriever:
    """A dependency, so tests can hand the route a retriever built from their own content."""
    return shared_retriever()


@router.get("/search", response_model=None)
async def search(
    kb: Annotated[BackgroundRetriever, Depends(knowledge_base)],
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    k: int = 3,
) -> dict[str, Any] | JSONResponse:
    """The k best entries, best first, whatever their score: the reader judges (k is clamped to 1..10)."""
    if not q.strip():
        raise RequestValidationError([{"type": "missing", "loc": ("query", "q"), "msg": "q is empty"}])
    k = min(max(k, 1), MAX_RESULTS)
    wait_seconds = ServiceConfig.from_env().wait_seconds
    try:
        hits = await run_in_threadpool(lambda: kb.get(wait_seconds).search(q, k))
    except RetrieverUnavailable as error:
        logger.warning("knowledge-base search unavailable: %s", error)
        return JSONResponse({"error": "kb_unavailable", "message": KB_UNAVAILABLE}, status_code=503)
    return {
        "results": [
            {"id": hit.id, "question": hit.question, "answer": hit.answer, "score": hit.score} for hit in hits
        ]
    }
