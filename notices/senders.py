"""Channel senders: how one notice reaches one channel user, and what the platform's answer means.

WeChat: within 48 hours of the user's last message, menu click or follow (`notices.contacts`)
a customer-service message, the whole text; outside that window, or when WeChat answers 45015
or 45047 all the same, a template message where the city has a template for the notice's kind
(NOTICE_WECHAT_TEMPLATES), else a subscription message (订阅通知) where it has one
(NOTICE_WECHAT_SUBSCRIBE_TEMPLATES) and the user accepted it, using up that accept; with none
of these the notice is refused (recorded, never retried). Alipay: a life-account template message
(`single.send`) or a customer message. Web chat: the delivery row is the message; the page
fetches it when the citizen comes back. An answer that will not improve (the user refused or
unfollowed, a bad template) is `refused`; the rest is retried with back-off.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
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
from notices.contacts import ContactStore
from notices.models import REFUSED, SENT, NoticeDelivery

RETRY = "retry"
WECHAT_REFUSALS = frozenset({40003, 40037, 43004, 43019, 43101, 45015, 45047, 47003})
"""Invalid openid, invalid template, unfollowed, blacklisted, refused, 48 h passed, too many
customer messages, bad template data: retrying cannot help."""
WINDOW_CLOSED = frozenset({45015, 45047})
"""Customer-service refusals that another kind of message may get past."""
THING_MAX_CHARS = 20
NO_WAY = "wechat: 48 h passed, no template or subscription"
ALIPAY_REFUSALS = frozenset({"40002", "40004", "40006"})
"""Invalid arguments, business refusal (unfollowed, bad template), missing permission."""


@dataclass(frozen=True)
class Outcome:
    status: str
    error: str = ""


class Sender(Protocol):
    async def send(self, user_id: str, delivery: NoticeDelivery, now: datetime) -> Outcome: ...


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


def _short(text: str, limit: int = THING_MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def subscription_fields(delivery: NoticeDelivery) -> dict[str, str]:
    """The subscription template layout the README asks a city to choose: 事项 thing1 (the
    title), 说明 thing2 (the first line without its 【...】 head), 时间 time3; a `thing` holds
    at most 20 characters, so both are shortened (the message opens no page with the rest)."""
    first = re.sub(r"^【[^】]*】", "", delivery.text.split("\n", 1)[0])
    local = delivery.created_at.replace(tzinfo=UTC).astimezone(CITY_TIMEZONE)
    return {"thing1": _short(delivery.title), "thing2": _short(first), "time3": f"{local:%Y年%m月%d日 %H:%M}"}


async def _wechat_call(call: Awaitable[None]) -> tuple[Outcome, int | None]:
    """What WeChat made of one call, with its errcode when it answered one."""
    try:
        await call
    except WeChatApiError as error:
        outcome = REFUSED if error.errcode in WECHAT_REFUSALS else RETRY
        return Outcome(outcome, f"wechat {error.errcode}"), error.errcode
    except (httpx.HTTPError, ValueError, TimeoutError) as error:
        return Outcome(RETRY, f"wechat {type(error).__name__}"), None
    return Outcome(SENT), None


class WebSender:
    async def send(self, user_id: str, delivery: NoticeDelivery, now: datetime) -> Outcome:
        return Outcome(SENT)


class WeChatSender:
    def __init__(
        self,
        api: WeChatApi,
        templates: dict[str, str],
        contacts: ContactStore,
        subscribe_templates: dict[str, str] | None = None,
    ) -> None:
        self._api = api
        self._templates = templates
        self._contacts = contacts
        self._subscribe_templates = subscribe_templates or {}

    async def send(self, user_id: str, delivery: NoticeDelivery, now: datetime) -> Outcome:
        if await self._contacts.within_window(delivery.recipient, now):
            outcome, errcode = await _wechat_call(self._api.custom_send(user_id, delivery.text))
            if errcode not in WINDOW_CLOSED:
                return outcome
            return await self._outside_window(user_id, delivery, now) or outcome
        return await self._outside_window(user_id, delivery, now) or Outcome(REFUSED, NO_WAY)

    async def _outside_window(self, user_id: str, delivery: NoticeDelivery, now: datetime) -> Outcome | None:
        """A template message, else a subscription message the user accepted; None: neither."""
        template = self._templates.get(delivery.kind)
        if template:
            call = self._api.template_send(user_id, template, template_fields(delivery))
            return (await _wechat_call(call))[0]
        subscription = self._subscribe_templates.get(delivery.kind)
        if not subscription:
            return None
        grant = await self._contacts.take_grant(delivery.recipient, subscription, now)
        if grant is None:
            return None
        call = self._api.subscribe_send(user_id, subscription, subscription_fields(delivery))
        outcome, _ = await _wechat_call(call)
        if outcome.status == RETRY:  # it may not have reached WeChat: the accept stays the user's
            await self._contacts.give_back(grant)
        return outcome


class AlipaySender:
    def __init__(self, api: AlipayApi, templates: dict[str, str]) -> None:
        self._api = api
        self._templates = templates

    async def send(self, user_id: str, delivery: NoticeDelivery, now: datetime) -> Outcome:
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
            senders["wechat"] = WeChatSender(
                api,
                parse_templates(settings.notices.wechat_templates),
                ContactStore(settings.assistant_database_url),
                parse_templates(settings.notices.wechat_subscribe_templates),
            )
        alipay = load_alipay_config(settings.alipay)
        if alipay is not None:
            senders["alipay"] = AlipaySender(
                AlipayApi(alipay), parse_templates(settings.notices.alipay_templates)
            )
        return cls(senders, http)

    async def send(self, delivery: NoticeDelivery, now: datetime) -> Outcome:
        """`now`: the sender's clock, which the 48-hour window and a used grant are read by."""
        channel, _, user_id = delivery.recipient.partition(":")
        sender = self._senders.get(channel)
        if sender is None or not user_id:
            return Outcome(REFUSED, f"{channel or 'unknown'} channel not configured")
        return await sender.send(user_id, delivery, now)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
