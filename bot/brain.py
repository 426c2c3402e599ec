"""The one conversation interface every channel talks to.

Web chat, WeChat and Alipay all hand a citizen's text to `Brain.respond` and render
the messages it returns in their own way; none of them knows Rasa is behind it.
"""

from __future__ import annotations

from typing import Any, Protocol, TypedDict

BUSY_MESSAGE = "系统正忙，请稍后再试。着急的话请拨打12345市民服务热线。"
"""What any brain answers when it cannot answer now; a channel that must reply before the
brain does (WeChat's 5 seconds) uses the same words."""


class Button(TypedDict):
    title: str
    payload: str


class BotMessage(TypedDict, total=False):
    text: str
    buttons: list[Button]
    custom: dict[str, Any]
    image: str


class Brain(Protocol):
    async def respond(self, sender: str, text: str) -> list[BotMessage]:
        """Replies to one citizen message. `sender` is namespaced by channel, e.g.
        "wechat:<openid>", "alipay:<user id>", "web:<browser id>". Never raises: failures
        come back as a polite message."""
        ...
