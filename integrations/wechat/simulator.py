"""WeChat's servers, as seen from our /wechat endpoint: signs, encrypts and pushes messages the
way WeChat does (plain or safe mode) and opens the passive reply.

The crypto here is written against the protocol directly (with `cryptography`), not with
wechatpy, so tests that pass through it check the channel against an independent
implementation. Tests, the load benchmark and `python -m integrations.wechat simulate` use it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import struct
import time
from dataclasses import dataclass, field
from itertools import count

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml.ElementTree import fromstring

BLOCK = 32
_msg_ids = count(int(time.time() * 1000) * 1000 + secrets.randbelow(1000))


def _sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_xml(fields: dict[str, str | int], nested: str = "") -> str:
    """WeChat's push format: numbers bare, strings in CDATA, then any nested elements as given."""
    body = "".join(
        f"<{name}>{value if isinstance(value, int) else _cdata(value)}</{name}>"
        for name, value in fields.items()
    )
    return f"<xml>{body}{nested}</xml>"


class AesEnvelope:
    """WeChat's message encryption: AES-256-CBC, IV = key[:16], PKCS#7 to 32-byte blocks,
    plaintext = 16 random bytes + 4-byte big-endian length + message + appid."""

    def __init__(self, encoding_aes_key: str, app_id: str) -> None:
        self._key = base64.b64decode(encoding_aes_key + "=")
        self._app_id = app_id

    def encrypt(self, message: str) -> str:
        raw = message.encode("utf-8")
        plain = os.urandom(16) + struct.pack(">I", len(raw)) + raw + self._app_id.encode()
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> str:
        decryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).decryptor()
        plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
        plain = plain[: -plain[-1]]
        (length,) = struct.unpack(">I", plain[16:20])
        message, app_id = plain[20 : 20 + length], plain[20 + length :].decode()
        if app_id != self._app_id:
            raise ValueError("reply sealed for another app id")
        return message.decode("utf-8")


@dataclass(frozen=True)
class Push:
    """One signed request exactly as WeChat sends it; sending it again is a WeChat retry."""

    params: dict[str, str]
    body: bytes
    fields: dict[str, str | int]


@dataclass
class Reply:
    status_code: int
    body: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str | None:
        """The passive text reply, or None for `success` / an empty answer / a refusal."""
        return self.fields.get("Content")

    @property
    def is_success(self) -> bool:
        return self.status_code == 200 and self.body.strip() in {"success", ""}


class WeChatSimulator:
    def __init__(
        self,
        url: str,
        token: str,
        app_id: str = "",
        encoding_aes_key: str = "",
        account: str = "gh_0123456789ab",
        safe_mode: bool | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.url = url
        self.token = token
        self.account = account
        self.safe_mode = bool(encoding_aes_key) if safe_mode is None else safe_mode
        self._envelope = AesEnvelope(encoding_aes_key, app_id) if encoding_aes_key else None
        self._http = httpx.AsyncClient(timeout=timeout_seconds)

    async def __aenter__(self) -> WeChatSimulator:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _query(self, timestamp: str, nonce: str) -> dict[str, str]:
        return {"signature": _sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}

    def build(
        self, openid: str, fields: dict[str, str | int], timestamp: int | None = None, nested: str = ""
    ) -> Push:
        """Signs (and in safe mode encrypts) one push from `openid`."""
        created = int(time.time()) if timestamp is None else timestamp
        fields = {"ToUserName": self.account, "FromUserName": openid, "CreateTime": created, **fields}
        xml = render_xml(fields, nested)
        stamp, nonce = str(created), str(secrets.randbelow(10**10))
        params = {**self._query(stamp, nonce), "openid": openid}
        if not self.safe_mode:
            return Push(params, xml.encode("utf-8"), fields)
        if self._envelope is None:
            raise ValueError("safe mode needs the EncodingAESKey")
        encrypted = self._envelope.encrypt(xml)
        params.update(encrypt_type="aes", msg_signature=_sign(self.token, stamp, nonce, encrypted))
        body = render_xml({"ToUserName": self.account, "Encrypt": encrypted})
        return Push(params, body.encode("utf-8"), fields)

    def text(self, openid: str, content: str, msg_id: int | None = None) -> Push:
        return self.build(openid, {"MsgType": "text", "Content": content, "MsgId": msg_id or next(_msg_ids)})

    def voice(self, openid: str, recognition: str | None) -> Push:
        fields: dict[str, str | int] = {"MsgType": "voice", "MediaId": "media-voice", "Format": "amr"}
        if recognition is not None:
            fields["Recognition"] = recognition
        return self.build(openid, {**fields, "MsgId": next(_msg_ids)})

    def image(self, openid: str) -> Push:
        fields = {"MsgType": "image", "PicUrl": "http://mmbiz.qpic.cn/x", "MediaId": "media-image"}
        return self.build(openid, {**fields, "MsgId": next(_msg_ids)})

    def location(self, openid: str, label: str) -> Push:
        fields: dict[str, str | int] = {
            "MsgType": "location",
            "Location_X": "37.5131",
            "Location_Y": "122.1201",
            "Scale": 15,
            "Label": label,
        }
        return self.build(openid, {**fields, "MsgId": next(_msg_ids)})

    def event(self, openid: str, event: str, key: str | None = None) -> Push:
        fields: dict[str, str | int] = {"MsgType": "event", "Event": event}
        if key is not None:
            fields["EventKey"] = key
        return self.build(openid, fields)

    def subscription_choice(
        self, openid: str, choices: dict[str, bool], event: str = "subscribe_msg_popup_event"
    ) -> Push:
        """What WeChat pushes when the user answers the subscription pop-up (or, with
        `subscribe_msg_change_event`, changes it in the settings): one List per template."""
        container = (
            "SubscribeMsgChangeEvent" if event == "subscribe_msg_change_event" else "SubscribeMsgPopupEvent"
        )
        items = "".join(
            f"<List><TemplateId>{_cdata(template)}</TemplateId><SubscribeStatusString>"
            f"{_cdata('accept' if accepted else 'reject')}</SubscribeStatusString><PopupScene>0</PopupScene></List>"
            for template, accepted in choices.items()
        )
        return self.build(
            openid, {"MsgType": "event", "Event": event}, nested=f"<{container}>{items}</{container}>"
        )

    async def push(self, push: Push) -> Reply:
        response = await self._http.post(self.url, params=push.params, content=push.body)
        return self.open_reply(response)

    def open_reply(self, response: httpx.Response) -> Reply:
        """Checks and decrypts a passive reply as WeChat would; refusals come back unopened."""
        reply = Reply(response.status_code, response.text)
        if response.status_code != 200 or not response.text.lstrip().startswith("<xml"):
            return reply
        outer = {child.tag: child.text or "" for child in fromstring(response.content, forbid_dtd=True)}
        if "Encrypt" not in outer:
            reply.fields = outer
            return reply
        if self._envelope is None:
            raise ValueError("encrypted reply but no EncodingAESKey")
        expected = _sign(self.token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
        if not hmac.compare_digest(expected, outer["MsgSignature"]):
            raise ValueError("reply has a bad MsgSignature")
        inner = self._envelope.decrypt(outer["Encrypt"])
        reply.fields = {child.tag: child.text or "" for child in fromstring(inner, forbid_dtd=True)}
        return reply

    async def say(self, openid: str, content: str) -> Reply:
        return await self.push(self.text(openid, content))

    async def verify_url(self, echostr: str) -> httpx.Response:
        stamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
        return await self._http.get(self.url, params={**self._query(stamp, nonce), "echostr": echostr})
