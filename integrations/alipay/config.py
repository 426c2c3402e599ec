"""Alipay settings (read in `common.settings`), checked once at startup.

Keys are accepted as PEM text, as a path to a PEM file, or as the bare base64 body the
Alipay console shows; a key that cannot be read stops startup with the variable's name
(never the key itself), so a deployer finds the mistake before the first citizen does.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from common.settings import AlipaySettings, load_settings

PRODUCTION_GATEWAY = "https://openapi.alipay.com/gateway.do"
SANDBOX_GATEWAY = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
_BARE_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]{64,}$")
PayMode = Literal["precreate", "wap"]


# A life-account user's sender id is "alipay:<user id>".
SENDER_PREFIX = "alipay"


class AlipayConfigError(ValueError):
    """A setting that makes the Alipay channel unusable; the message names the variable."""


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    app_private_key: RSAPrivateKey
    alipay_public_key: RSAPublicKey
    gateway_url: str = PRODUCTION_GATEWAY
    notify_url: str = ""
    return_url: str = ""
    timeout_seconds: float = 5.0
    pay_mode: PayMode = "precreate"
    auth_redirect_url: str = ""
    auth_page_url: str = ""

    @property
    def app_private_key_pem(self) -> str:
        return self.app_private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    @property
    def alipay_public_key_pem(self) -> str:
        return _public_pem(self.alipay_public_key)

    @property
    def app_public_key_base64(self) -> str:
        """The app public key as Alipay's console shows it: one base64 line, no PEM armour."""
        der = self.app_private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()


def _public_pem(key: RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _key_bytes(variable: str, value: str) -> tuple[bytes, bool]:
    """The key material and whether it is PEM (else DER from a bare base64 body)."""
    text = value.strip()
    if "-----BEGIN" in text:
        return text.encode(), True
    if _BARE_BASE64.match(text):
        try:
            return base64.b64decode("".join(text.split()), validate=True), False
        except binascii.Error:
            raise AlipayConfigError(f"{variable} is not valid base64 key text") from None
    path = Path(text).expanduser()
    if not path.is_file():
        raise AlipayConfigError(f"{variable} is neither a PEM key nor a readable key file")
    try:
        content = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        raise AlipayConfigError(f"{variable} names a file that cannot be read as a PEM key") from None
    if "-----BEGIN" not in content:
        raise AlipayConfigError(f"{variable} names a file that holds no PEM key")
    return content.encode(), True


def load_private_key(variable: str, value: str) -> RSAPrivateKey:
    material, is_pem = _key_bytes(variable, value)
    try:
        if is_pem:
            key = serialization.load_pem_private_key(material, password=None)
        else:
            key = serialization.load_der_private_key(material, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise AlipayConfigError(f"{variable} is not a readable unencrypted RSA private key") from None
    if not isinstance(key, RSAPrivateKey):
        raise AlipayConfigError(f"{variable} must be an RSA private key")
    return key


def load_public_key(variable: str, value: str) -> RSAPublicKey:
    material, is_pem = _key_bytes(variable, value)
    try:
        if is_pem:
            key = serialization.load_pem_public_key(material)
        else:
            key = serialization.load_der_public_key(material)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise AlipayConfigError(f"{variable} is not a readable RSA public key") from None
    if not isinstance(key, RSAPublicKey):
        raise AlipayConfigError(f"{variable} must be an RSA public key")
    return key


def _required(variable: str, value: str) -> str:
    if not value:
        raise AlipayConfigError(f"{variable} must be set when ALIPAY_APP_ID is set")
    return value


def _timeout(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise AlipayConfigError("ALIPAY_TIMEOUT_SECONDS must be a number of seconds") from None
    if value <= 0:
        raise AlipayConfigError("ALIPAY_TIMEOUT_SECONDS must be positive")
    return value


def _pay_mode(mode: str) -> PayMode:
    if mode not in ("precreate", "wap"):
        raise AlipayConfigError("ALIPAY_PAY_MODE must be precreate or wap")
    return "wap" if mode == "wap" else "precreate"


def load_alipay_config(settings: AlipaySettings | None = None) -> AlipayConfig | None:
    """None when ALIPAY_APP_ID is unset: the channel is simply not offered."""
    settings = settings or load_settings().alipay
    if not settings.app_id:
        return None
    default_gateway = SANDBOX_GATEWAY if settings.use_sandbox_gateway else PRODUCTION_GATEWAY
    return AlipayConfig(
        app_id=settings.app_id,
        app_private_key=load_private_key(
            "ALIPAY_APP_PRIVATE_KEY", _required("ALIPAY_APP_PRIVATE_KEY", settings.app_private_key)
        ),
        alipay_public_key=load_public_key(
            "ALIPAY_PUBLIC_KEY", _required("ALIPAY_PUBLIC_KEY", settings.public_key)
        ),
        gateway_url=settings.gateway_url or default_gateway,
        notify_url=settings.notify_url,
        return_url=settings.return_url,
        timeout_seconds=_timeout(settings.timeout_seconds),
        pay_mode=_pay_mode(settings.pay_mode),
        auth_redirect_url=settings.auth_redirect_url,
        auth_page_url=settings.auth_page_url,
    )
