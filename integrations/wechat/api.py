"""Client of WeChat's server API: one shared access_token and the calls the channel makes.

The token lives in the shared KeyValueStore so every gateway worker uses the same one
(fetching a new token invalidates the old one within minutes); refreshes happen under a
store lock and only when the token that failed is still the stored one, so a burst of
40001 answers from many workers causes a single refresh, not a storm.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx

from common.store import KeyValueStore
from integrations.wechat import redaction
from integrations.wechat.config import WeChatConfig

logger = logging.getLogger(__name__)

# 40001 invalid credential, 40014 invalid access_token, 42001 access_token expired.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# 45015: the citizen's last message is older than 48 h; 45047: too many messages since it.
UNDELIVERABLE_ERRORS = frozenset({45015, 45047})
TOKEN_SAFETY_MARGIN_SECONDS = 300
REFRESH_LOCK_SECONDS = 15.0
# httpx logs every request URL at INFO; WeChat puts the token and secret in the query.
redaction.install()


class WeChatApiError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


def _checked(response: httpx.Response) -> dict[str, Any]:
    """WeChat answers HTTP 200 with an errcode; anything else is an outage."""
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


class AccessTokens:
    """The account's access_token, shared through the store by every worker and command."""

    def __init__(self, http: httpx.AsyncClient, config: WeChatConfig, store: KeyValueStore) -> None:
        self._http = http
        self._config = config
        self._store = store
        self._key = f"wechat:access_token:{config.app_id}"
        self._lock = f"wechat:access_token_refresh:{config.app_id}"

    async def get(self) -> str:
        token = await self._store.get(self._key)
        if token:
            return token
        async with self._store.lock(self._lock, REFRESH_LOCK_SECONDS):
            token = await self._store.get(self._key)
            return token or await self._fetch()

    async def refresh(self, rejected: str) -> str:
        """A new token after WeChat rejected `rejected`, unless another worker already replaced it."""
        async with self._store.lock(self._lock, REFRESH_LOCK_SECONDS):
            token = await self._store.get(self._key)
            if token and token != rejected:
                return token
            return await self._fetch()

    async def _fetch(self) -> str:
        response = await self._http.get(
            f"{self._config.api_base}/cgi-bin/token",
            params={
                "grant_type": "client_credential",
                "appid": self._config.app_id,
                "secret": self._config.app_secret,
            },
        )
        body = _checked(response)
        token = body.get("access_token")
        if not token:
            raise WeChatApiError(int(body.get("errcode", -1)), str(body.get("errmsg", "")))
        expires_in = int(body.get("expires_in", 7200))
        await self._store.set(self._key, token, max(60, expires_in - TOKEN_SAFETY_MARGIN_SECONDS))
        logger.info("fetched a new WeChat access_token, valid for %s s", expires_in)
        return token


class WeChatApi:
    def __init__(self, http: httpx.AsyncClient, config: WeChatConfig, store: KeyValueStore) -> None:
        self._http = http
        self._config = config
        self.tokens = AccessTokens(http, config, store)

    async def call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POSTs JSON with the shared token; a rejected token is refreshed once and retried once."""
        token = await self.tokens.get()
        body = await self._post(path, token, payload)
        if body.get("errcode") in TOKEN_ERRORS:
            logger.warning("WeChat rejected the access_token (%s); refreshing once", body.get("errcode"))
            body = await self._post(path, await self.tokens.refresh(token), payload)
        errcode = int(body.get("errcode", 0))
        if errcode:
            raise WeChatApiError(errcode, str(body.get("errmsg", "")))
        return body

    async def _post(self, path: str, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = await self._http.post(
            f"{self._config.api_base}{path}",
            params={"access_token": token},
            content=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        return _checked(response)

    async def custom_send(self, openid: str, text: str) -> None:
        """A customer-service text message (only within 48 h of the user's last message);
        raises WeChatApiError with WeChat's errcode."""
        payload = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        await self.call("/cgi-bin/message/custom/send", payload)

    async def template_send(self, openid: str, template_id: str, data: dict[str, str], url: str = "") -> None:
        """A template message (模板消息) from a template the account applied for; `data` maps
        the template's keys (first, keyword1..., remark) to values. Raises WeChatApiError:
        43004 the user no longer follows, 43101 the user refused, 40037 a bad template id."""
        payload = _templated(openid, template_id, data)
        if url:
            payload["url"] = url
        await self.call("/cgi-bin/message/template/send", payload)

    async def subscribe_send(
        self, openid: str, template_id: str, data: dict[str, str], page: str = ""
    ) -> None:
        """A subscription message (订阅通知, `subscribe/bizsend`), allowed once per template the
        user accepted; `data` maps the template's keys (thing1, time2...) to values, a `thing`
        at most 20 characters. Raises WeChatApiError: 43101 no accepted subscription left,
        47003 a value the template's type refuses."""
        payload = _templated(openid, template_id, data)
        if page:
            payload["page"] = page
        await self.call("/cgi-bin/message/subscribe/bizsend", payload)

    async def send_text(self, openid: str, text: str) -> bool:
        """A customer-service text message; failures are logged and dropped, never retried blindly
        (a POST that timed out may have been delivered, and 45015/45047 will not get better)."""
        try:
            await self.custom_send(openid, text)
        except WeChatApiError as error:
            if error.errcode in UNDELIVERABLE_ERRORS:
                logger.warning("WeChat will not take more messages for %s (%s); dropped", openid, error)
            else:
                logger.error("customer-service message to %s failed: %s", openid, error)
            return False
        except (httpx.HTTPError, ValueError, TimeoutError) as error:
            logger.error("customer-service message to %s failed: %s", openid, type(error).__name__)
            return False
        return True

    async def create_menu(self, menu: dict[str, Any]) -> None:
        await self.call("/cgi-bin/menu/create", menu)


def _templated(openid: str, template_id: str, data: dict[str, str]) -> dict[str, Any]:
    """The body template and subscription messages share: WeChat wraps each value in {"value": ...}."""
    return {
        "touser": openid,
        "template_id": template_id,
        "data": {key: {"value": value} for key, value in data.items()},
    }
