"""RSA2 signatures of Alipay's life-account gateway (V2 rules) and of our XML replies.

Gateway messages are signed over every non-empty parameter except `sign`, sorted by name
and joined as `k=v&...` (sign_type included). python-alipay-sdk's `verify` also drops
sign_type (the payment-notification rule), so it cannot check these; this module can.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey


def v2_content(params: Mapping[str, str]) -> str:
    """The string Alipay signs: sorted non-empty params without `sign`, values not URL-encoded."""
    return "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "sign" and params[key])


def rsa2_sign(content: bytes, key: RSAPrivateKey) -> str:
    return base64.b64encode(key.sign(content, padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_verify(content: bytes, signature: str, key: RSAPublicKey) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), content, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def verify_gateway_params(params: Mapping[str, str], key: RSAPublicKey, charset: str) -> bool:
    """True only for an RSA2 signature by Alipay over the V2 content of these params."""
    if params.get("sign_type", "RSA2") != "RSA2" or not params.get("sign"):
        return False
    try:
        content = v2_content(params).encode(charset)
    except (UnicodeEncodeError, LookupError):
        return False
    return rsa2_verify(content, params["sign"], key)


def signed_envelope(response_body: str, key: RSAPrivateKey, charset: str) -> bytes:
    """Alipay's signed XML reply: the signature covers exactly the text inside <response>."""
    sign = rsa2_sign(response_body.encode(charset), key)
    xml = (
        f'<?xml version="1.0" encoding="{charset}"?>'
        f"<alipay><response>{response_body}</response>"
        f"<sign>{sign}</sign><sign_type>RSA2</sign_type></alipay>"
    )
    return xml.encode(charset)
