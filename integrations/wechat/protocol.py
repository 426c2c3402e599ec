"""WeChat's server-URL protocol: signatures, freshness, safe XML and AES envelopes.

Everything a request must pass before its content is trusted lives here, in the order
the router applies it: signature (constant time), timestamp window, then XML parsing
that refuses DTDs and entities, then (safe mode) msg_signature and decryption, then the
nonce replay check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException

from common.store import KeyValueStore
from integrations.wechat.config import WeChatConfig

logger = logging.getLogger(__name__)


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


class ReplayGuard:
    """Remembers every (timestamp, nonce) pair seen inside the timestamp window, in the shared
    store so all workers agree.

    The plain-mode signature covers only token, timestamp and nonce, not the body: anyone who
    saw one signed URL (a log line, a proxy) could post any body with it until the timestamp
    goes stale. WeChat itself resends the very same request (same signature, timestamp, nonce
    and body) up to three times when an answer is slow, and those retries must reach the
    channel, which de-duplicates them by MsgId and gives them the first answer. So the pair is
    stored with a digest of the body: the same pair with a byte-identical body is a retry and
    passes, the same pair with any other body is a replay and is refused.
    """

    def __init__(self, store: KeyValueStore, app_id: str, window_seconds: float) -> None:
        self._store = store
        self._app_id = app_id
        # A timestamp up to `window` in the future is accepted until `window` past it, so a
        # pair must be remembered for twice the window to outlive every request that can carry it.
        self._ttl_seconds = 2 * window_seconds + 1

    async def check(self, params: dict[str, str], body: bytes, body_signed: bool) -> None:
        """Refuses (403) a used pair with another body. `body_signed` (safe mode: msg_signature
        covers the encrypted body) decides what a store outage means: a signed body can only be
        resent as it was, which MsgId de-duplication absorbs, so it passes; an unsigned one would
        be an open replay door, so it is refused (503) and WeChat retries it later."""
        key = f"wechat:nonce:{self._app_id}:{params.get('timestamp', '')}:{params.get('nonce', '')}"
        digest = hashlib.sha256(body).hexdigest()
        try:
            if await self._store.set_if_absent(key, digest, self._ttl_seconds):
                return
            seen = await self._store.get(key)
        except Exception as error:
            if body_signed:
                logger.error("store unavailable, nonce not checked: %s", type(error).__name__)
                return
            raise RequestRejected(
                503, f"store unavailable for the nonce check: {type(error).__name__}"
            ) from error
        if seen is None or not hmac.compare_digest(seen, digest):
            # `None`: the pair expired between the two calls, i.e. the timestamp is stale by now.
            raise RequestRejected(403, "nonce already used with another body")
