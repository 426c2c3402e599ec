"""Messages the assistant sends without being asked: an agent's reply in a handed-off chat,
a payment result.

Each channel that can push registers how it reaches a citizen (WeChat's customer-service
API, Alipay's custom.send); a sender id such as "wechat:<openid>" is routed by its prefix.
Web chat cannot be pushed to: its page fetches the handoff transcript instead.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

# (the user id inside the channel, text) -> whether the channel accepted the message.
Send = Callable[[str, str], Awaitable[bool]]


class Deliveries:
    def __init__(self) -> None:
        self._channels: dict[str, Send] = {}

    def register(self, channel: str, send: Send) -> None:
        self._channels[channel] = send

    async def send(self, sender: str, text: str) -> bool:
        """False when the channel has no push or refused; never raises, the caller decides
        what to tell whoever is waiting for the message."""
        channel, _, user_id = sender.partition(":")
        send = self._channels.get(channel)
        if send is None:
            logger.warning(
                "channel %s cannot be pushed to; the message stays undelivered", channel or "(none)"
            )
            return False
        try:
            return await send(user_id, text)
        except Exception:
            logger.exception("pushing a message on channel %s failed", channel)
            return False
