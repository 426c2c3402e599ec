"""Web chat and test entry: POST /api/chat, POST /api/nlu/parse (CONTRACT.md)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, StringConstraints

from bot.rasa_client import RasaUnavailable

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api")

SenderId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class ChatRequest(BaseModel):
    sender: SenderId
    message: str = Field(max_length=2000)


class ChatButton(BaseModel):
    title: str
    payload: str


class ChatMessage(BaseModel):
    text: str | None = None
    buttons: list[ChatButton] | None = None
    custom: dict[str, Any] | None = None
    image: str | None = None


class ChatResponse(BaseModel):
    messages: list[ChatMessage]


class ParseRequest(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


@router.post("/chat", response_model=ChatResponse, response_model_exclude_none=True)
async def chat(body: ChatRequest, request: Request) -> dict[str, Any]:
    """Web users are always namespaced "web:", so nobody can speak as a WeChat or Alipay user."""
    messages = await request.app.state.brain.respond(f"web:{body.sender}", body.message)
    return {"messages": messages}


@router.post("/nlu/parse")
async def parse(body: ParseRequest, request: Request) -> dict[str, Any]:
    try:
        result = await request.app.state.rasa.parse(body.text)
    except RasaUnavailable as error:
        logger.error("NLU parse failed: %s", error)
        return {"intent": {"name": None, "confidence": 0.0}, "entities": [], "error": "nlu_unavailable"}
    return {
        "intent": result.get("intent", {}),
        "entities": [
            {key: entity.get(key) for key in ("entity", "value", "start", "end", "extractor")}
            for entity in result.get("entities", [])
        ],
        "intent_ranking": result.get("intent_ranking", [])[:5],
    }
