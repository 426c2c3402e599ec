"""The /wechat endpoint WeChat's servers call, and `mount_wechat` which puts it on the gateway.

Every request passes, in this order: signature (constant time), timestamp window, size
cap, safe XML parsing, then in safe mode msg_signature and decryption; then the message must
be encrypted whenever an EncodingAESKey is configured (the plain signature does not cover the
body), the query's `openid` must name the message's sender, and the (timestamp, nonce) pair
must not have been used with another body. Refusals carry a status and a short fixed plain
body only (WeChat's servers read nothing else); the reason goes to the log, never the query.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from wechatpy import create_reply, parse_message

from bot.brain import Brain
from bot.delivery import Deliveries
from common.store import KeyValueStore
from integrations.wechat import redaction
from integrations.wechat.api import WeChatApi
from integrations.wechat.channel import OUTCOMES, WeChatChannel
from integrations.wechat.config import WeChatConfig, load_config
from integrations.wechat.menu import load_menu
from integrations.wechat.protocol import (
    Envelope,
    ReplayGuard,
    RequestRejected,
    check_signature,
    check_timestamp,
)
from notices.contacts import ContactStore

logger = logging.getLogger(__name__)

PATH = "/wechat"
SUCCESS = "success"
# Plain text, as WeChat's servers read the body; Chinese, as whoever opens the address reads it
# (the Alipay channel says the same of itself).
NOT_CONFIGURED = "微信公众号服务暂未开通，请通过网页或支付宝咨询，也可拨打12345。"
_REFUSALS = {
    400: "bad request",
    403: "forbidden",
    413: "payload too large",
    503: "service unavailable",
}


def _refusal(error: RequestRejected, request: Request) -> PlainTextResponse:
    client = request.client.host if request.client else "?"
    logger.warning("refused a WeChat request from %s: %s", client, error.reason)
    OUTCOMES.labels(outcome="refused").inc()
    return PlainTextResponse(_REFUSALS.get(error.status_code, "refused"), status_code=error.status_code)


async def read_capped(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it exceeds `limit`, whatever Content-Length claims."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise RequestRejected(400, "bad Content-Length")
        if int(declared) > limit:
            raise RequestRejected(413, f"declared body of {declared} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise RequestRejected(413, "body over the cap")
    return bytes(body)


def check_sender(params: dict[str, str], source: str) -> None:
    """WeChat's `openid` query parameter is not signed; when present it must at least agree with
    the sender inside the (signed, in safe mode) message, or the request was put together."""
    openid = params.get("openid")
    if openid is not None and openid != source:
        raise RequestRejected(403, "openid in the query is not the message's sender")


def create_router(config: WeChatConfig, channel: WeChatChannel, store: KeyValueStore) -> APIRouter:
    router = APIRouter()
    envelope = Envelope(config)
    replays = ReplayGuard(store, config.app_id, config.timestamp_window_seconds)

    def authenticate(request: Request) -> dict[str, str]:
        params = dict(request.query_params)
        check_signature(config.token, params)
        check_timestamp(params["timestamp"], config.timestamp_window_seconds)
        return params

    @router.get(PATH, include_in_schema=False)
    async def verify_url(request: Request) -> Response:
        """WeChat's check of the server URL: echo `echostr` back if the request is signed."""
        try:
            params = authenticate(request)
        except RequestRejected as error:
            return _refusal(error, request)
        return PlainTextResponse(params.get("echostr", ""))

    @router.post(PATH, include_in_schema=False)
    async def receive(request: Request) -> Response:
        try:
            params = authenticate(request)
            body = await read_capped(request, config.max_body_bytes)
            xml, encrypted = envelope.open(params, body)
            message = parse_message(xml)
            if config.safe_mode and not encrypted:
                # Checked after parsing so a malformed body is still a 400, as before.
                raise RequestRejected(403, "plain-mode message while safe mode is configured")
            check_sender(params, message.source)
            await replays.check(params, body, body_signed=encrypted)
            reply = await channel.handle(message)
        except RequestRejected as error:
            return _refusal(error, request)
        except (KeyError, ValueError) as error:
            return _refusal(RequestRejected(400, f"not a WeChat message: {type(error).__name__}"), request)
        if reply is None:
            return PlainTextResponse(SUCCESS)
        sealed = envelope.seal(create_reply(reply, message).render(), encrypted, params["nonce"])
        return Response(sealed, media_type="application/xml")

    return router


def _unconfigured_router() -> APIRouter:
    router = APIRouter()

    @router.api_route(PATH, methods=["GET", "POST"], include_in_schema=False)
    async def not_configured() -> Response:
        return PlainTextResponse(NOT_CONFIGURED, status_code=503)

    return router


def mount_wechat(app: FastAPI, brain: Brain, store: KeyValueStore, deliveries: Deliveries) -> None:
    """Serves /wechat from the environment's WECHAT_* settings; without them, a 503 that says so.
    Messages the assistant sends unasked (agent replies, payment results) go out through the
    customer-service API; what users push is noted for the notices in the gateway's database."""
    redaction.install()
    config = load_config()
    problem = config.problem()
    if problem:
        logger.log(logging.ERROR if config.configured else logging.INFO, "WeChat channel off: %s", problem)
        app.include_router(_unconfigured_router())
        return
    http = httpx.AsyncClient(timeout=httpx.Timeout(config.api_timeout_seconds))
    api = WeChatApi(http, config, store)
    settings = getattr(app.state, "settings", None)  # the gateway's; a bare test app has none
    contacts = ContactStore(settings.assistant_database_url) if settings else None
    channel = WeChatChannel(config, brain, store, api, load_menu(), contacts)
    deliveries.register("wechat", api.send_text)
    app.include_router(create_router(config, channel, store))
    app.state.wechat = channel
    inner_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running_app: Any) -> AsyncIterator[Any]:
        async with inner_lifespan(running_app) as state:
            try:
                yield state
            finally:
                await channel.aclose()
                await http.aclose()

    app.router.lifespan_context = lifespan
