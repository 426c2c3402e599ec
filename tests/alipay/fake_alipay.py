"""A local stand-in for Alipay's open platform, speaking its real protocol over HTTP.

It checks every request's RSA2 signature with the app public key (as Alipay does), records
customer messages and precreated orders, and answers with responses signed by "Alipay",
which python-alipay-sdk verifies. `AlipaySimulator` plays Alipay's side of the calls it
makes to us: life-account messages (V2 signatures) and payment notifications (V1).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fastapi import FastAPI, Request, Response


def generate_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(content: str, key: rsa.RSAPrivateKey, charset: str = "utf-8") -> str:
    return base64.b64encode(key.sign(content.encode(charset), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(content: str, signature: str, key: rsa.RSAPublicKey, charset: str = "utf-8") -> bool:
    try:
        key.verify(base64.b64decode(signature), content.encode(charset), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def sign_content(params: dict[str, str], excluded: set[str]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in excluded and v != "")


class FakeAlipay:
    def __init__(self, app_id: str, app_public_key: rsa.RSAPublicKey, alipay_key: rsa.RSAPrivateKey) -> None:
        self.app_id = app_id
        self.custom_sends: list[dict[str, Any]] = []
        self.template_sends: list[dict[str, Any]] = []
        self.templates: set[str] = set()
        self.unfollowed: set[str] = set()
        self.precreates: list[dict[str, Any]] = []
        # User-info authorisation: the id number each user has certified, the auth codes Alipay
        # handed out after a user agreed, and the access tokens traded for them.
        self.certified: dict[str, str] = {}
        self._auth_codes: dict[str, str] = {}
        self._access_tokens: dict[str, str] = {}
        self.bad_signatures = 0
        self._app_public_key = app_public_key
        self._alipay_key = alipay_key
        self.app = FastAPI()
        self.app.add_api_route("/gateway.do", self._gateway, methods=["GET", "POST"])

    def issue_auth_code(self, user_id: str) -> str:
        """What Alipay appends to the redirect URL once `user_id` agreed on the authorisation page."""
        code = secrets.token_hex(16)
        self._auth_codes[code] = user_id
        return code

    def _oauth_token(self, params: dict[str, str]) -> dict[str, Any]:
        user_id = self._auth_codes.pop(params.get("code", ""), None)
        if params.get("grant_type") != "authorization_code" or user_id is None:
            return {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.code-invalid"}
        token = secrets.token_hex(16)
        self._access_tokens[token] = user_id
        return {"user_id": user_id, "access_token": token, "expires_in": 1296000, "re_expires_in": 2592000}

    def _user_info(self, params: dict[str, str]) -> dict[str, Any]:
        user_id = self._access_tokens.get(params.get("auth_token", ""))
        if user_id is None:
            return {
                "code": "20001",
                "msg": "Insufficient Token Permissions",
                "sub_code": "aop.invalid-auth-token",
            }
        cert_no = self.certified.get(user_id, "")
        info = {
            "code": "10000",
            "msg": "Success",
            "user_id": user_id,
            "is_certified": "T" if cert_no else "F",
        }
        return {**info, "cert_no": cert_no, "cert_type": "0"} if cert_no else info

    def texts_to(self, user_id: str) -> list[str]:
        return [call["text"]["content"] for call in self.custom_sends if call["to_user_id"] == user_id]

    async def _gateway(self, request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.form()).items()})
        method = params.get("method", "")
        response_type = method.replace(".", "_") + "_response"
        if params.get("app_id") != self.app_id or not verify(
            sign_content(params, {"sign"}), params.get("sign", ""), self._app_public_key
        ):
            self.bad_signatures += 1
            error = {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature"}
            return Response(json.dumps({response_type: error}), media_type="application/json")
        biz = json.loads(params.get("biz_content") or "{}")
        if method == "alipay.open.public.message.custom.send":
            self.custom_sends.append(biz)
            result: dict[str, Any] = {"code": "10000", "msg": "Success"}
        elif method == "alipay.open.public.message.single.send":
            result = self._single_send(biz)
        elif method == "alipay.system.oauth.token":
            result = self._oauth_token(params)
        elif method == "alipay.user.info.share":
            result = self._user_info(params)
        elif method == "alipay.trade.precreate":
            self.precreates.append({**biz, "notify_url": params.get("notify_url", "")})
            result = {
                "code": "10000",
                "msg": "Success",
                "out_trade_no": biz["out_trade_no"],
                "qr_code": f"https://qr.alipay.com/fake{biz['out_trade_no'][-8:].lower()}",
            }
        else:
            result = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.UNSUPPORTED"}
        inner = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
        body = f'{{"{response_type}":{inner},"sign":"{sign(inner, self._alipay_key)}"}}'
        return Response(body.encode("utf-8"), media_type="application/json; charset=utf-8")

    def _single_send(self, biz: dict[str, Any]) -> dict[str, Any]:
        """The life account's template message: the template must be approved, the user following."""
        template = biz.get("template") or {}
        if template.get("template_id") not in self.templates:
            return {"code": "40004", "msg": "Business Failed", "sub_code": "TEMPLATE_NOT_EXIST"}
        if biz.get("to_user_id") in self.unfollowed:
            return {"code": "40004", "msg": "Business Failed", "sub_code": "USER_UNFOLLOWED"}
        self.template_sends.append(biz)
        return {"code": "10000", "msg": "Success", "msg_id": str(len(self.template_sends))}


class AlipaySimulator:
    """Builds the form posts Alipay sends to the app's gateway URL, signed with Alipay's key."""

    def __init__(self, app_id: str, alipay_key: rsa.RSAPrivateKey) -> None:
        self.app_id = app_id
        self.key = alipay_key

    def gateway_call(
        self, service: str, biz_content: str, charset: str = "UTF-8", key: rsa.RSAPrivateKey | None = None
    ) -> dict[str, str]:
        params = {"service": service, "sign_type": "RSA2", "charset": charset, "biz_content": biz_content}
        params["sign"] = sign(sign_content(params, {"sign"}), key or self.key, charset)
        return params

    def verifygw(self) -> dict[str, str]:
        biz = (
            f"<XML><AppId><![CDATA[{self.app_id}]]></AppId><CreateTime>{int(time.time() * 1000)}"
            "</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            "<EventType><![CDATA[verifygw]]></EventType><ActionParam></ActionParam></XML>"
        )
        return self.gateway_call("alipay.service.check", biz)

    def message_xml(self, user_id: str, msg_type: str, inner: str, msg_id: str = "") -> str:
        msg_id_part = f"<MsgId><![CDATA[{msg_id}]]></MsgId>" if msg_id else ""
        return (
            '<?xml version="1.0" encoding="gbk"?><XML>'
            f"<AppId><![CDATA[{self.app_id}]]></AppId>"
            f"<FromAlipayUserId><![CDATA[{user_id}]]></FromAlipayUserId>"
            f"<CreateTime>{int(time.time() * 1000)}</CreateTime>"
            f"<MsgType><![CDATA[{msg_type}]]></MsgType>{inner}{msg_id_part}</XML>"
        )

    def text(self, user_id: str, content: str, msg_id: str, charset: str = "UTF-8") -> dict[str, str]:
        inner = f"<Text><Content><![CDATA[{content}]]></Content></Text>"
        return self.gateway_call(
            "alipay.mobile.public.message.notify", self.message_xml(user_id, "text", inner, msg_id), charset
        )

    def event(self, user_id: str, event_type: str, action_param: str = "") -> dict[str, str]:
        inner = f"<EventType><![CDATA[{event_type}]]></EventType><ActionParam><![CDATA[{action_param}]]></ActionParam>"
        return self.gateway_call(
            "alipay.mobile.public.message.notify", self.message_xml(user_id, "event", inner)
        )

    def payment_notification(
        self,
        out_trade_no: str,
        total_amount: str,
        trade_status: str = "TRADE_SUCCESS",
        app_id: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
    ) -> dict[str, str]:
        params = {
            "notify_time": "2026-11-23 10:00:00",
            "notify_type": "trade_status_sync",
            "notify_id": f"ntf{out_trade_no[-10:]}",
            "app_id": app_id or self.app_id,
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": "RSA2",
            "trade_no": f"2026112322001400000{out_trade_no[-6:]}",
            "out_trade_no": out_trade_no,
            "trade_status": trade_status,
            "total_amount": total_amount,
            "receipt_amount": total_amount,
            "buyer_id": "2088000000000001",
            "gmt_payment": "2026-11-23 09:59:58",
            "subject": "水费 2026-10",
        }
        params["sign"] = sign(sign_content(params, {"sign", "sign_type"}), key or self.key)
        return params


def form_body(params: dict[str, str], charset: str = "utf-8") -> bytes:
    return urlencode(params, encoding=charset).encode("ascii")


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
