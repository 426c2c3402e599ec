"""Rendering of bot messages for text-only channels (WeChat, Alipay, SMS-like surfaces).

Buttons become numbered lines the citizen can answer with "1"; `choice_payload`
maps such an answer back to the button's payload, so the same dialogue works
whether the citizen tapped a button or typed a digit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.brain import BotMessage, Button
from common.chinese_numbers import chinese_number

_CIRCLED_DIGITS = "①②③④⑤⑥⑦⑧⑨⑩"
_ORDINAL_PATTERN = re.compile(
    r"^\s*(?:选|选择)?\s*(?:第)?\s*([0-9]{1,2}|[一二两三四五六七八九十])\s*(?:个|项|条|号)?\s*[。.!！]?\s*$"
)


def render_buttons(buttons: Sequence[Button]) -> str:
    return "\n".join(f"{index}. {button['title']}" for index, button in enumerate(buttons, start=1))


def render_as_text(messages: Sequence[BotMessage], max_chars: int = 2000) -> str:
    """One text block for channels that show a single bubble; `max_chars` is the channel's limit."""
    parts: list[str] = []
    for message in messages:
        lines: list[str] = []
        if message.get("text"):
            lines.append(message["text"].strip())
        if message.get("buttons"):
            lines.append(render_buttons(message["buttons"]))
            lines.append("请回复数字选择。")
        if message.get("image"):
            lines.append(message["image"])
        if lines:
            parts.append("\n".join(lines))
    text = "\n\n".join(parts)
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return text


def parse_choice(text: str) -> int | None:
    """1-based choice from "1", "第二个", "选3", "２"; None when the text is not a choice."""
    normalised = text.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if normalised and normalised[0] in _CIRCLED_DIGITS and len(normalised) == 1:
        return _CIRCLED_DIGITS.index(normalised) + 1
    match = _ORDINAL_PATTERN.match(normalised)
    if not match:
        return None
    token = match.group(1)
    return chinese_number(token)


def choice_payload(text: str, last_buttons: Sequence[Button]) -> str | None:
    """The payload of the button the citizen picked by number, if the text is such a pick."""
    choice = parse_choice(text)
    if choice is None or not 1 <= choice <= len(last_buttons):
        return None
    return last_buttons[choice - 1]["payload"]
