"""`POST /alipay`: the life account's gateway (生活号 messages) and Alipay's payment notifications.

Alipay wants a signed answer at once and retries otherwise, so a message is acknowledged
right away and the brain's reply goes out afterwards through the customer-message API.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, BackgroundTasks, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from bot.brain import Brain
from bot.delivery import Deliveries
from bot.render import render_as_text
from common.store import KeyValueStore
from integrations.alipay.client import AlipayApi, AlipayApiError
from integrations.alipay.config import SENDER_PREFIX, AlipayConfig, load_alipay_config
from integrations.alipay.messages import (
    CHECK_SERVICE,
    MESSAGE_SERVICE,
    NOT_TEXT_REPLY,
    LifeMessage,
    MalformedMessage,
    ack_body,
    parse_biz_content,
    parse_form,
    verifygw_body,
)
from integrations.alipay.payments import PaymentService, build_payment_service
from integrations.alipay.signing import signed_envelope, verify_gateway_params
from integrations.alipay.user_auth import AuthOutcome, UserAuthorization, build_user_authorization

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
DEDUPE_TTL_SECONDS = 24 * 3600
MAX_REPLY_CHARS = 2000
NOT_CONFIGURED = "支付宝服务暂未开通，请通过微信公众号或网页咨询，也可拨打12345。"


class AlipayChannel:
    def __init__(
        self,
        config: AlipayConfig,
        api: AlipayApi,
        brain: Brain,
        store: KeyValueStore,
        payments: PaymentService,
        deliveries: Deliveries,
    ) -> None:
        self._config = config
        self._api = api
        self._brain = brain
        self._store = store
        self._payments = payments
        self._deliveries = deliveries
        deliveries.register(SENDER_PREFIX, self._send)

    async def handle(self, request: Request, background: BackgroundTasks) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return PlainTextResponse("fail", status_code=413)
        try:
            params, charset = parse_form(body)
        except MalformedMessage as error:
            logger.warning("refused Alipay request: %s", error)
            return PlainTextResponse("fail", status_code=400)
        if "service" not in params and params.get("notify_type") == "trade_status_sync":
            outcome = await self._payments.handle_notification(params)
            if outcome.accepted and outcome.message:
                background.add_task(self.notify, outcome.sender, outcome.message)
            return PlainTextResponse("success" if outcome.accepted else "fail")
        return await self._gateway_call(params, charset, background)

    async def _gateway_call(
        self, params: dict[str, str], charset: str, background: BackgroundTasks
    ) -> Response:
        service = params.get("service", "")
        verified = verify_gateway_params(params, self._config.alipay_public_key, charset)
        if not verified:
            logger.warning("refused Alipay gateway call %s: bad signature", service or "(none)")
        if service == CHECK_SERVICE:
            return self._envelope(verifygw_body(self._config.app_public_key_base64, verified), charset)
        if not verified:
            return PlainTextResponse("fail", status_code=403)
        if service != MESSAGE_SERVICE:
            logger.warning("unsupported Alipay service %s", service)
            return PlainTextResponse("fail", status_code=400)
        try:
            message = parse_biz_content(params.get("biz_content", ""))
        except MalformedMessage as error:
            logger.warning("refused Alipay message: %s", error)
            return PlainTextResponse("fail", status_code=400)
        if await self._store.set_if_absent(f"alipay:msg:{message.dedupe_key}", "1", DEDUPE_TTL_SECONDS):
            background.add_task(self._answer, message)
        else:
            logger.info("duplicate Alipay message %s ignored", message.dedupe_key)
        return self._envelope(ack_body(message.user_id, self._config.app_id), charset)

    def _envelope(self, response_body: str, charset: str) -> Response:
        return Response(
            signed_envelope(response_body, self._config.app_private_key, charset),
            media_type=f"text/xml; charset={charset}",
        )

    async def _answer(self, message: LifeMessage) -> None:
        """Runs after the ack: asks the brain and sends its answer as a customer message."""
        sender = f"{SENDER_PREFIX}:{message.user_id}"
        text = message.brain_text()
        if text is None:
            if message.msg_type not in {"text", "event"}:
                await self._send(message.user_id, NOT_TEXT_REPLY)
            return
        try:
            reply = render_as_text(await self._brain.respond(sender, text), MAX_REPLY_CHARS)
        except Exception:
            logger.exception("brain failed for %s", sender)
            return
        if reply:
            await self._send(message.user_id, reply)

    async def _send(self, user_id: str, text: str) -> bool:
        try:
            await self._api.send_text(user_id, text)
        except AlipayApiError as error:
            logger.error("Alipay custom.send to %s failed: %s", user_id, error)
            return False
        return True

    async def notify(self, sender: str, text: str) -> None:
        """Tells a citizen a payment result on the channel they paid from."""
        await self._deliveries.send(sender, text)


def auth_page(outcome: AuthOutcome) -> HTMLResponse:
    """What the citizen's phone shows after Alipay sends them back: one plain sentence."""
    body = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>身份验证</title></head>"
        f'<body style="font-size:20px;padding:24px;line-height:1.6"><p>{outcome.page_text}</p></body></html>'
    )
    return HTMLResponse(body, status_code=200 if outcome.status == "verified" else 400)


def create_router(channel: AlipayChannel | None, authorization: UserAuthorization | None = None) -> APIRouter:
    router = APIRouter()

    @router.post("/alipay", include_in_schema=False)
    async def alipay_gateway(request: Request, background: BackgroundTasks) -> Response:
        if channel is None:
            return PlainTextResponse(NOT_CONFIGURED, status_code=503)
        return await channel.handle(request, background)

    @router.get("/alipay/auth", include_in_schema=False)
    async def alipay_authorised(auth_code: str = "", state: str = "") -> Response:
        """ALIPAY_AUTH_REDIRECT_URL: Alipay sends the user here after they agreed (or not)."""
        if channel is None or authorization is None or not authorization.offered:
            return PlainTextResponse(NOT_CONFIGURED, status_code=503)
        outcome = await authorization.complete(auth_code[:128], state[:128])
        if outcome.status == "verified":
            await channel.notify(
                outcome.sender_id, "支付宝授权验证成功。请再发一次您要查的事，比如“查社保”。"
            )
        return auth_page(outcome)

    return router


def mount_alipay(
    app: FastAPI,
    brain: Brain,
    store: KeyValueStore,
    deliveries: Deliveries,
) -> None:
    """Adds POST /alipay. Without ALIPAY_APP_ID it answers 503; a bad key stops startup."""
    config = load_alipay_config()
    channel = authorization = None
    if config is None:
        logger.info("ALIPAY_APP_ID not set: the Alipay channel is off")
    else:
        api = AlipayApi(config)
        channel = AlipayChannel(
            config,
            api,
            brain,
            store,
            build_payment_service(
                config, api, getattr(app.state, "settings", None), getattr(app.state, "departments", None)
            ),
            deliveries,
        )
        authorization = build_user_authorization(
            config, api, getattr(app.state, "settings", None), getattr(app.state, "departments", None)
        )
    app.include_router(create_router(channel, authorization))
