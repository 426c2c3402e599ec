"""Channel senders: how one notice reaches one channel user, and what the platform's answer means.

WeChat: a template message when the city has a template for the notice's kind
(NOTICE_WECHAT_TEMPLATES), else a customer-service message, which WeChat takes only within
48 hours of the user's last message (45015 after). Alipay: a life-account template message
(`single.send`) or a customer message. Web chat: the delivery row is the message; the page
fetches it when the citizen comes back. An answer that will not improve (the user refused or
unfollowed, a bad template) is `refused`; the rest is retried with back-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Protocol

import httpx

from common.masking import mask_text
from common.settings import Settings
from common.store import create_store
from common.time_words import CITY_TIMEZONE
from integrations.alipay.client import AlipayApi, AlipayApiError
from integrations.alipay.config import load_alipay_config
from integrations.wechat.api import WeChatApi, WeChatApiError
from integrations.wechat.config import load_config
from notices.models import REFUSED, SENT, NoticeDelivery

RETRY = "retry"
WECHAT_REFUSALS = frozenset({40003, 40037, 43004, 43019, 43101, 45015, 45047, 47003})
"""Invalid openid, invalid template, unfollowed, blacklisted, refused, 48 h passed, too many
customer messages, bad template data: retrying cannot help."""
ALIPAY_REFUSALS = frozenset({"40002", "40004", "40006"})
"""Invalid arguments, business refusal (unfollowed, bad template), missing permission."""


@dataclass(frozen=True)
class Outcome:
    status: str
    error: str = ""


class Sender(Protocol):
    async def send(self, user_id: str, delivery: NoticeDelivery) -> Outcome: ...


def parse_templates(text: str) -> dict[str, str]:
    """`kind=template_id,...` as {kind: template_id}."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {kind.strip(): template.strip() for kind, template in pairs if kind.strip() and template.strip()}


def template_fields(delivery: NoticeDelivery) -> dict[str, str]:
    """The one template layout the README asks a city to apply for: 标题 first, 内容 keyword1,
    时间 keyword2, the stop line as remark."""
    lines = delivery.text.split("\n")
    body, remark = (lines[:-1], lines[-1]) if len(lines) > 1 else (lines, "")
    local = delivery.created_at.replace(tzinfo=UTC).astimezone(CITY_TIMEZONE)
    return {
        "first": delivery.title,
        "keyword1": "".join(body),
        "keyword2": f"{local:%Y-%m-%d %H:%M}",
        "remark": remark,
    }


class WebSender:
    async def send(self, user_id: str, delivery: NoticeDelivery) -> Outcome:
        return Outcome(SENT)


class WeChatSender:
    def __init__(self, api: WeChatApi, templates: dict[str, str]) -> None:
        self._api = api
        self._templates = templates

    async def send(self, user_id: str, delivery: NoticeDelivery) -> Outcome:
        template = self._templates.get(delivery.kind)
        try:
            if template:
                await self._api.template_send(user_id, template, template_fields(delivery))
            else:
                await self._api.custom_send(user_id, delivery.text)
        except WeChatApiError as error:
            outcome = REFUSED if error.errcode in WECHAT_REFUSALS else RETRY
            return Outcome(outcome, f"wechat {error.errcode}")
        except (httpx.HTTPError, ValueError, TimeoutError) as error:
            return Outcome(RETRY, f"wechat {type(error).__name__}")
        return Outcome(SENT)


class AlipaySender:
    def __init__(self, api: AlipayApi, templates: dict[str, str]) -> None:
        self._api = api
        self._templates = templates

    async def send(self, user_id: str, delivery: NoticeDelivery) -> Outcome:
        template = self._templates.get(delivery.kind)
        try:
            if template:
                await self._api.send_template(user_id, template, template_fields(delivery))
            else:
                await self._api.send_text(user_id, delivery.text)
        except AlipayApiError as error:
            outcome = REFUSED if error.code in ALIPAY_REFUSALS else RETRY
            return Outcome(outcome, mask_text(f"alipay {error.code or error} {error.sub_code}".strip())[:128])
        return Outcome(SENT)


class Senders:
    """One sender per configured channel; a channel without credentials refuses its notices."""

    def __init__(self, senders: dict[str, Sender], http: httpx.AsyncClient | None = None) -> None:
        self._senders = senders
        self._http = http

    @classmethod
    def from_settings(cls, settings: Settings) -> Senders:
        senders: dict[str, Sender] = {"web": WebSender()}
        http = None
        wechat = load_config(settings.wechat)
        if wechat.app_id and wechat.app_secret:
            http = httpx.AsyncClient(timeout=wechat.api_timeout_seconds)
            api = WeChatApi(http, wechat, create_store(settings.redis_url))
            senders["wechat"] = WeChatSender(api, parse_templates(settings.notices.wechat_templates))
        alipay = load_alipay_config(settings.alipay)
        if alipay is not None:
            senders["alipay"] = AlipaySender(
                AlipayApi(alipay), parse_templates(settings.notices.alipay_templates)
            )
        return cls(senders, http)

    async def send(self, delivery: NoticeDelivery) -> Outcome:
        channel, _, user_id = delivery.recipient.partition(":")
        sender = self._senders.get(channel)
        if sender is None or not user_id:
            return Outcome(REFUSED, f"{channel or 'unknown'} channel not configured")
        return await sender.send(user_id, delivery)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
