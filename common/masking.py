"""Masking of personal data, so that logs and replies never carry a whole identifier.

One place for every process: the gateway, the action server, the channels and the
sandbox all log through `PiiMaskingFilter` and build replies with `mask_*`.
"""

from __future__ import annotations

import logging
import re

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_OPENID = re.compile(
    r"(?<![A-Za-z0-9_-])(o[A-Za-z0-9_-]{3})[A-Za-z0-9_-]{6,}([A-Za-z0-9_-]{4})(?![A-Za-z0-9_-])"
)
_ALIPAY_USER = re.compile(r"(?<!\d)(2088)\d{8}(\d{4})(?!\d)")


def mask_id_number(value: str) -> str:
    """3710**********2311: keeps the region prefix and the last four, as the design asks."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "****" + value[-4:]


def mask_account(value: str) -> str:
    """Account and plate numbers: enough left to recognise, not enough to reuse."""
    if len(value) <= 4:
        return value
    keep = 2 if len(value) < 8 else 3
    return value[:keep] + "*" * (len(value) - keep - 4) + value[-4:]


def mask_name(value: str) -> str:
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1)


def mask_ip(value: str) -> str:
    """192.168.*.*: the network, which is what an operator needs to see, not the machine."""
    if "." in value:
        return ".".join([*value.split(".")[:2], "*", "*"])
    if ":" in value:
        return ":".join(value.split(":")[:2]) + ":*"
    return "*" * len(value)


def mask_text(text: str) -> str:
    """Masks identifiers found anywhere in free text (log lines, echoed messages)."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _ALIPAY_USER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _OPENID.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


class PiiMaskingFilter(logging.Filter):
    """Rewrites each record's final message so no handler ever sees raw identifiers."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        return True


def configure_logging(level: str = "INFO") -> None:
    """Root logging for a process: one format, masking on every handler."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(PiiMaskingFilter())
