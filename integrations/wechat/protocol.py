"""WeChat's server-URL protocol: signatures, freshness, safe XML and AES envelopes.

Everything a request must pass before its content is trusted lives here, in the order
the router applies it: signature (constant time), timestamp window, then XML parsing
that refuses DTDs and entities, then (safe mode) msg_signature and decryption.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException

from integrations.wechat.config import WeChatConfig


class RequestRejected(Exception):
    """A request WeChat did not sign, or that is malformed; `reason` is for logs only."""

    def __init__(self, status_code: int, reason: str) -> None:
        super().__init__(reason)
        self.status_code = status_code
        self.reason = reason


def sign(*parts: str) -> str:
    """WeChat's signature: sha1 of the lexicographically sorted parts, concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_valid(expected_parts: tuple[str, ...], given: str) -> bool:
    return hmac.compare_digest(sign(*expected_parts).encode(), given.strip().lower().encode())


def check_signature(token: str, params: dict[str, str]) -> None:
    """The `signature` every GET and POST carries; checked before anything else is read."""
    timestamp, nonce, signature = (
        params.get("timestamp", ""),
        params.get("nonce", ""),
        params.get("signature"),
    )
    if (
        not signature
        or not timestamp
        or not nonce
        or not signature_valid((token, timestamp, nonce), signature)
    ):
        raise RequestRejected(403, "bad signature")


def check_timestamp(timestamp: str, window_seconds: float, now: float | None = None) -> None:
    """Replays of old signed requests are refused; genuine retries reuse a recent timestamp."""
    try:
        sent_at = int(timestamp)
    except ValueError as error:
        raise RequestRejected(403, "bad timestamp") from error
    if abs((time.time() if now is None else now) - sent_at) > window_seconds:
        raise RequestRejected(403, "stale timestamp")


def parse_xml(data: bytes | str) -> dict[str, str]:
    """The flat <xml> document WeChat sends, with DTDs, entities and external references refused."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError) as error:
        raise RequestRejected(400, f"unsafe or malformed XML: {type(error).__name__}") from error
    if root.tag != "xml":
        raise RequestRejected(400, "unexpected XML root")
    return {child.tag: (child.text or "") for child in root}


class Envelope:
    """Opens pushed messages and seals passive replies in plain or safe mode."""

    def __init__(self, config: WeChatConfig) -> None:
        self._config = config
        self._crypto = (
            WeChatCrypto(config.token, config.encoding_aes_key, config.app_id) if config.safe_mode else None
        )
        self._key = base64.b64decode(config.encoding_aes_key + "=") if config.safe_mode else b""

    def open(self, params: dict[str, str], body: bytes) -> tuple[str, bool]:
        """The inner message XML and whether it came encrypted (and so must be answered so)."""
        outer = parse_xml(body)
        if params.get("encrypt_type", "raw").lower() != "aes":
            try:
                return body.decode("utf-8"), False
            except UnicodeDecodeError as error:
                raise RequestRejected(400, "message is not UTF-8") from error
        if self._crypto is None:
            raise RequestRejected(400, "encrypted message but no EncodingAESKey configured")
        encrypted = outer.get("Encrypt", "")
        parts = (self._config.token, params.get("timestamp", ""), params.get("nonce", ""), encrypted)
        if not encrypted or not signature_valid(parts, params.get("msg_signature", "")):
            raise RequestRejected(403, "bad msg_signature")
        try:
            inner = PrpCrypto(self._key).decrypt(encrypted, self._config.app_id)
        except InvalidAppIdException as error:
            raise RequestRejected(403, "message for another app id") from error
        except Exception as error:
            raise RequestRejected(400, f"undecryptable message: {type(error).__name__}") from error
        inner_text = inner.decode("utf-8") if isinstance(inner, bytes) else inner
        parse_xml(inner_text.encode("utf-8"))
        return inner_text, True

    def seal(self, reply_xml: str, encrypted: bool, nonce: str) -> str:
        if not encrypted or self._crypto is None:
            return reply_xml
        return self._crypto.encrypt_message(reply_xml, nonce, str(int(time.time())))
