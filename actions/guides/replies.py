"""What the citizen reads from the guide and FAQ actions: short Chinese texts and numbered
choices. Every function is pure, so wording is tested without a stack."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from knowledge_base.answers import render_entry
from knowledge_base.catalog import Entry
from knowledge_base.life_events import LifeEvent

Button = dict[str, str]

ASPECT_HINT = "想了解某一项，可以接着问：要带什么、多少钱、在哪办、几点上班、多久办好、网上能办吗。"
OUT_OF_SCOPE_TEXT = "抱歉，这个问题不在市民服务的范围内，我回答不了。"
CLARIFY_TEXT = "您是想问："
UNKNOWN_TEXT = "这个问题我还不会回答。您可以换个说法再问，或拨打12345市民服务热线咨询，也可以回复“转人工”。"
NO_GUIDE_TEXT = "这个事项我这里还没有办事指南。您可以拨打12345市民服务热线咨询，也可以回复“转人工”。"
"""A service question (permit, registration, licence ...) the knowledge base has no guide for:
a city matter all the same, so it gets the human routes, never the out-of-scope refusal."""
KB_UNAVAILABLE_TEXT = "办事知识库暂时用不了，请稍后再试，或拨打12345市民服务热线咨询。"
WHICH_SERVICE_TEXT = "您想问哪项业务？请说具体一点，比如“办护照要带什么”“结婚登记在哪办”。"
GUIDE_MENU_TEXT = (
    "您想办什么事？直接说就行，比如“护照怎么办”“办身份证要带什么”“结婚登记在哪办”。"
    "\n也可以按人生大事看看要办哪些事："
)
LIFE_EVENT_MENU_TEXT = "您遇到的是哪件事？请回复数字："
BUNDLE_FOOTER = "想看哪一项的办理指南？请回复数字。"
HUMAN_BUTTON: Button = {"title": "转人工", "payload": "/human_handoff"}


def guide_payload(entry_id: str) -> str:
    """The payload of a choice that leads to one entry's guide."""
    return "/ask_service_guide" + json.dumps({"service_item": entry_id}, separators=(",", ":"))


def life_event_payload(event_id: str) -> str:
    return "/life_event" + json.dumps({"life_event": event_id}, separators=(",", ":"))


def entry_reply(entry: Entry, aspects: Sequence[str] = ()) -> str:
    """The asked parts of a guide, one after another ("在哪办几点上班" asks two), or the short
    answer with a hint that the parts can be asked for."""
    if not aspects:
        return f"{entry.answer}\n{ASPECT_HINT}" if entry.guide else entry.answer
    parts: list[str] = []
    for aspect in aspects:
        part = render_entry(entry, aspect)
        if part not in parts:
            parts.append(part)
    return "\n".join(parts)


def entry_buttons(entries: Iterable[Entry]) -> list[Button]:
    """One numbered choice per entry, titled with its question, leading to its guide."""
    return [{"title": entry.question, "payload": guide_payload(entry.id)} for entry in entries]


def bundle_text(event: LifeEvent) -> str:
    return f"{event.intro}\n{BUNDLE_FOOTER}"


def life_event_buttons(events: Iterable[LifeEvent]) -> list[Button]:
    return [{"title": event.name, "payload": life_event_payload(event.id)} for event in events]
