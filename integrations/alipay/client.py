"""Calls to Alipay's open platform through python-alipay-sdk.

The SDK is synchronous (urllib), so every call runs in a worker thread with the configured
timeout; its errors become one `AlipayApiError`, whose text never carries keys or replies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig

from integrations.alipay.config import AlipayConfig

logger = logging.getLogger(__name__)
SUCCESS_CODE = "10000"


class AlipayApiError(Exception):
    """Alipay could not be reached, refused the call, or answered with a bad signature.
    `code`/`sub_code` are Alipay's when it answered (empty when it could not be reached)."""

    def __init__(self, message: str, code: str = "", sub_code: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.sub_code = sub_code


class _ConfiguredAliPay(AliPay):
    """The SDK only knows production and its own sandbox; deployments and tests name the gateway."""

    def __init__(self, config: AlipayConfig) -> None:
        super().__init__(
            appid=config.app_id,
            app_notify_url=config.notify_url or None,
            app_private_key_string=config.app_private_key_pem,
            alipay_public_key_string=config.alipay_public_key_pem,
            sign_type="RSA2",
            config=AliPayConfig(timeout=config.timeout_seconds),
        )
        self._gateway = config.gateway_url


class AlipayApi:
    def __init__(self, config: AlipayConfig) -> None:
        self._config = config
        self._sdk = _ConfiguredAliPay(config)

    async def _call(
        self,
        method: str,
        succeeded: Callable[[dict[str, Any]], bool] = lambda answer: answer.get("code") == SUCCESS_CODE,
        **kwargs: Any,
    ) -> dict[str, Any]:
        function = getattr(self._sdk, method)
        try:
            result = await asyncio.wait_for(
                asyncio.to_thread(function, **kwargs), timeout=self._config.timeout_seconds + 1
            )
        except AliPayValidationError:
            raise AlipayApiError("response signature did not verify") from None
        except AliPayException as error:
            raise AlipayApiError(f"refused with code {error.code}", str(error.code or "")) from None
        except (OSError, TimeoutError) as error:
            raise AlipayApiError(f"unreachable: {type(error).__name__}") from None
        except (ValueError, KeyError, AttributeError) as error:
            raise AlipayApiError(f"unreadable response: {type(error).__name__}") from None
        if not succeeded(result):
            code, sub_code = str(result.get("code", "")), str(result.get("sub_code", ""))
            raise AlipayApiError(f"refused with code {code} {sub_code}", code, sub_code)
        return result

    async def oauth_token(self, auth_code: str) -> tuple[str, str]:
        """(user id, access token) for the auth_code Alipay gave the user who agreed
        (alipay.system.oauth.token, whose success carries no `code`: only the token)."""
        result = await self._call(
            "server_api",
            succeeded=lambda answer: bool(answer.get("access_token") and answer.get("user_id")),
            api_name="alipay.system.oauth.token",
            grant_type="authorization_code",
            code=auth_code,
        )
        return str(result["user_id"]), str(result["access_token"])

    async def user_info(self, access_token: str) -> dict[str, Any]:
        """The user's shared information (alipay.user.info.share): `cert_no` with `is_certified`."""
        return await self._call("server_api", api_name="alipay.user.info.share", auth_token=access_token)

    async def send_text(self, user_id: str, text: str) -> None:
        """A life-account customer message (alipay.open.public.message.custom.send)."""
        await self._call(
            "server_api",
            api_name="alipay.open.public.message.custom.send",
            biz_content={"to_user_id": user_id, "msg_type": "text", "text": {"content": text}},
        )

    async def send_template(self, user_id: str, template_id: str, fields: dict[str, str]) -> None:
        """A life-account template message (alipay.open.public.message.single.send) from a
        template the city applied for; `fields` fills first, keyword1..., remark."""
        context: dict[str, Any] = {"head_color": "#000000", "action_name": "查看详情"}
        context.update({key: {"color": "#000000", "value": value} for key, value in fields.items()})
        await self._call(
            "server_api",
            api_name="alipay.open.public.message.single.send",
            biz_content={"to_user_id": user_id, "template": {"template_id": template_id, "context": context}},
        )

    async def precreate(self, out_trade_no: str, total_amount: str, subject: str) -> str:
        """A QR-code order; Alipay answers the same order again for the same out_trade_no."""
        result = await self._call(
            "api_alipay_trade_precreate",
            subject=subject,
            out_trade_no=out_trade_no,
            total_amount=total_amount,
        )
        if not result.get("qr_code"):
            raise AlipayApiError("precreate answered without a qr_code")
        return str(result["qr_code"])

    def wap_pay_url(self, out_trade_no: str, total_amount: str, subject: str) -> str:
        """A mobile-web payment link; signing it needs no call to Alipay."""
        query = self._sdk.api_alipay_trade_wap_pay(
            subject=subject,
            out_trade_no=out_trade_no,
            total_amount=total_amount,
            return_url=self._config.return_url or None,
        )
        return f"{self._config.gateway_url}?{query}"

    def verify_notification(self, params: dict[str, str]) -> bool:
        """Payment notifications follow the V1 rule (sign and sign_type both left out)."""
        data = dict(params)
        signature = data.pop("sign", "")
        if not signature:
            return False
        try:
            return self._sdk.verify(data, signature)
        except (AliPayException, ValueError):
            return False
