"""Keeps WeChat's request credentials out of every log line.

WeChat signs each push in its query string (signature, msg_signature, timestamp, nonce, openid)
and our API calls carry access_token / secret there too. Whoever can read a log line that holds
a signed query can replay it inside the timestamp window, so neither uvicorn's access log nor
httpx's request log may print them. The filter sits on those two loggers themselves (not on a
handler), so it runs before any handler, whichever logging configuration the process uses.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx

PATH = "/wechat"
# The whole query of our /wechat endpoint goes: it holds nothing an operator needs.
_WECHAT_QUERY = re.compile(r"(/wechat)\?[^\s\"']*")
# Elsewhere only the values of credential-like parameters are masked.
_SECRET_PARAMETER = re.compile(
    r"(?i)(?<![A-Za-z0-9_])(signature|msg_signature|nonce|echostr|access_token|secret|openid)=[^&\s\"']*"
)
LOGGERS = ("uvicorn.access", "httpx")


def redact(text: str) -> str:
    """The text with /wechat queries dropped and credential parameters masked."""
    return _SECRET_PARAMETER.sub(r"\1=***", _WECHAT_QUERY.sub(r"\1", text))


def _redact_argument(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, httpx.URL):
        return redact(str(value))
    return value


class RedactSignedQueries(logging.Filter):
    """Rewrites the record's arguments in place, keeping their number and order: uvicorn's
    AccessFormatter unpacks `record.args` by position, so they cannot be folded into msg."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_argument(value) for value in record.args)
        elif record.args:
            record.msg, record.args = redact(record.getMessage()), None
        return True


def install() -> None:
    """Puts the filter on uvicorn's access logger and httpx's logger once per process."""
    for name in LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(existing, RedactSignedQueries) for existing in target.filters):
            target.addFilter(RedactSignedQueries())
