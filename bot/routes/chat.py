"""Web chat and test entry: POST /api/chat, POST /api/nlu/parse (CONTRACT.md)."""

from __future__ import annotations

import logging
import re
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from bot.rasa_client import RasaUnavailable

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api")

# C0 controls but tab and newline, DEL, and the C1 block: nothing a citizen means to type, and
# a NUL breaks the department APIs and PostgreSQL text columns the raw text reaches (handoff
# transcripts, tickets) before the Rasa-side normaliser ever sees it.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f]*$"


def strip_control_characters(text: str) -> str:
    """Typed text as it may be stored and forwarded: control characters removed, newline and tab
    kept. Channels call it on what citizens write, the web routes on what the browser posts."""
    return _CONTROL_CHARACTERS.sub("", text)


def _strip_if_text(value: object) -> object:
    """Runs before pydantic's own checks, so length limits apply to the cleaned text; anything
    that is not a string is left for pydantic to refuse."""
    return strip_control_characters(value) if isinstance(value, str) else value


CleanText = Annotated[str, BeforeValidator(_strip_if_text)]
# A sender id is an identity, not text to clean: one with control characters is refused (422),
# so "a\x00b" can never be taken for "ab".
SenderId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=_NO_CONTROL_CHARACTERS),
]


class ChatRequest(BaseModel):
    sender: SenderId
    message: CleanText = Field(max_length=2000)


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
    text: CleanText = Field(min_length=1, max_length=2000)


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
