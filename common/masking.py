"""Masking of personal data, so that logs and replies never carry a whole identifier.

One place for every process: the gateway, the action server, the channels and the
sandbox all log through `PiiMaskingFilter` and build replies with `mask_*`.

`configure_logging` installs the filter on every path a line can take: the root handlers,
and the loggers (and their own handlers) of uvicorn, Sanic, rasa_sdk, httpx and SQLAlchemy,
whose access logs and request logs would otherwise carry department URLs with `id_number=`
and `phone=`, signed WeChat queries and SQL parameters. The filter masks the message, each
argument in place (uvicorn's access formatter unpacks them by position), the exception text
and traceback (rendered once, masked, and cached on the record, so every handler's formatter
prints the masked one) and the stack; `MaskingFormatter` masks whatever a formatter produced
on top, for handlers whose formatter adds text of its own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_OPENID = re.compile(
    r"(?<![A-Za-z0-9_-])(o[A-Za-z0-9_-]{3})[A-Za-z0-9_-]{6,}([A-Za-z0-9_-]{4})(?![A-Za-z0-9_-])"
)
_ALIPAY_USER = re.compile(r"(?<!\d)(2088)\d{8}(\d{4})(?!\d)")
# Account numbers (utility, housing fund, cable TV): 8-14 digits, or 6-12 after a 2-4 letter
# prefix (GZ20080077, GJJ370100001, CATV20230001). Hyphenated runs (ticket ids, dates) are left.
_ACCOUNT = re.compile(r"(?<![0-9A-Za-z.:-])(?:[A-Z]{2,4}\d{6,12}|\d{8,14})(?![0-9A-Za-z.:-])")


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
    """Masks identifiers found anywhere in free text (log lines, echoed messages), and the
    values of credential parameters and bearer tokens (`redact_secrets`)."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _ALIPAY_USER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _OPENID.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _ACCOUNT.sub(lambda m: mask_account(m.group(0)), text)
    return redact_secrets(text)


# Query or form parameters whose value lets a reader replay a request or act as someone:
# WeChat's signed pushes (signature, msg_signature, timestamp's nonce, echostr, openid), API
# credentials (access_token, Rasa's and the action server's ?token=, secrets, keys, Alipay's
# sign) and passwords. Only the value goes; the name stays, so a line still says what it was.
_SECRET_PARAMETER = re.compile(
    r"(?i)(?<![A-Za-z0-9_])"
    r"(signature|msg_signature|nonce|echostr|access_token|refresh_token|token|secret|app_secret"
    r"|openid|unionid|sign|password|api_key|apikey)"
    r"=(?!\*\*\*)[^&\s\"'<>]+"
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)(?!\*\*\*)[A-Za-z0-9._~+/=-]+")
_CREDENTIAL_HEADER = re.compile(
    r"(?i)\b(x-api-key|authorization)(['\"]?\s*[:=]\s*['\"]?)(?!bearer\b)(?!\*\*\*)[A-Za-z0-9._~+/=-]{6,}"
)


def redact_secrets(text: str) -> str:
    """The values of credential-like parameters (`?token=`, `signature=`, `openid=`...) and of
    bearer tokens and API-key headers replaced by `***`, wherever a URL or header is logged."""
    if "=" in text:
        text = _SECRET_PARAMETER.sub(r"\1=***", text)
    text = _BEARER.sub(r"\1***", text)
    return _CREDENTIAL_HEADER.sub(r"\1\2***", text)


class _Masked:
    """Stands in for a log argument whose text held an identifier: `%s` and `%r` print the masked
    text; anything else (a number format) still works on the original value, which had none."""

    __slots__ = ("_repr", "_text", "_value")

    def __init__(self, value: Any, text: str, representation: str) -> None:
        self._value, self._text, self._repr = value, text, representation

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return self._repr

    def __format__(self, spec: str) -> str:
        return format(self._text, spec)


def _mask_argument(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, _Masked):
        return value
    try:
        text, representation = str(value), repr(value)
    except Exception:  # an argument that cannot print itself stays as it is; logging copes
        return value
    masked_text, masked_repr = mask_text(text), mask_text(representation)
    if masked_text == text and masked_repr == representation:
        return value
    return _Masked(value, masked_text, masked_repr)


_PLAIN_FORMATTER = logging.Formatter()


# Loggers whose formatters read `record.args` by position (uvicorn's AccessFormatter builds its
# request line from them): their arguments are masked one by one and kept as arguments.
POSITIONAL_ARGUMENT_LOGGERS = frozenset({"uvicorn.access"})
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


def _mask_template(template: str) -> str:
    """A %-format template masked between its placeholders, which stay intact."""
    parts, last = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts += [mask_text(template[last : match.start()]), match.group(0)]
        last = match.end()
    return "".join([*parts, mask_text(template[last:])])


class PiiMaskingFilter(logging.Filter):
    """Masks a record in place before any handler formats it: the message with its arguments
    (merged into one masked message, so a secret split between the template and an argument,
    `token=%s`, is caught too; kept apart and masked one by one, in number and order, for
    uvicorn's access log), exception text and traceback, stack. Idempotent, so it may sit both
    on a logger and on the handlers the record then reaches."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and record.name not in POSITIONAL_ARGUMENT_LOGGERS:
            try:
                record.msg, record.args = mask_text(record.getMessage()), ()
            except Exception:  # a template that does not fit its arguments: mask the parts
                self._mask_parts(record)
        else:
            self._mask_parts(record)
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            # Formatter.format reuses record.exc_text when set: every handler prints this one.
            record.exc_text = _PLAIN_FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True

    @staticmethod
    def _mask_parts(record: logging.LogRecord) -> None:
        if isinstance(record.msg, str):
            record.msg = _mask_template(record.msg) if record.args else mask_text(record.msg)
        else:
            record.msg = _mask_argument(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_mask_argument(value) for value in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _mask_argument(value) for key, value in record.args.items()}


class MaskingFormatter(logging.Formatter):
    """A formatter whose every output is masked, tracebacks and stacks included. Wraps another
    formatter (uvicorn's, coloredlogs') to keep its layout, or formats on its own."""

    def __init__(self, inner: logging.Formatter | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inner = inner

    def formatException(self, ei: Any) -> str:
        inner = self.inner.formatException(ei) if self.inner else super().formatException(ei)
        return mask_text(inner)

    def formatStack(self, stack_info: str) -> str:
        inner = self.inner.formatStack(stack_info) if self.inner else super().formatStack(stack_info)
        return mask_text(inner)

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        return mask_text(self.inner.format(record) if self.inner else super().format(record))


# The libraries' loggers that log URLs, queries, requests or SQL, whatever the process does
# with its root logger: uvicorn's access and error logs, Sanic's (the action server), rasa_sdk,
# httpx/httpcore (every department and platform call) and SQLAlchemy (errors carry parameters).
LIBRARY_LOGGERS = (
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
    "sanic",
    "sanic.root",
    "sanic.error",
    "sanic.access",
    "sanic.server",
    "rasa_sdk",
    "rasa_sdk.executor",
    "rasa_sdk.endpoint",
    "httpx",
    "httpcore",
    "sqlalchemy",
    "sqlalchemy.engine",
    "sqlalchemy.engine.Engine",
    "sqlalchemy.pool",
    "sqlalchemy.orm",
    "fastapi",
    "starlette",
    "asyncio",
    "py.warnings",
)


def _has_filter(filterer: logging.Filterer) -> bool:
    return any(isinstance(existing, PiiMaskingFilter) for existing in filterer.filters)


def mask_handler(handler: logging.Handler) -> None:
    """The filter and a masking formatter on one handler, once."""
    if not _has_filter(handler):
        handler.addFilter(PiiMaskingFilter())
    if not isinstance(handler.formatter, MaskingFormatter):
        handler.setFormatter(MaskingFormatter(handler.formatter))


def install_masking(logger_names: Iterable[str] = LIBRARY_LOGGERS) -> None:
    """Masking on the root handlers, on the named loggers and on their own handlers (Sanic and
    uvicorn loggers that do not propagate have some). Safe to call again after a library set
    up its own logging: whatever is there by then gets masked too."""
    for handler in logging.getLogger().handlers:
        mask_handler(handler)
    for name in logger_names:
        target = logging.getLogger(name)
        if not _has_filter(target):
            target.addFilter(PiiMaskingFilter())
        for handler in target.handlers:
            mask_handler(handler)


def configure_logging(level: str = "INFO") -> None:
    """Root logging for a process: one format, masking on every handler and library logger."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.captureWarnings(True)
    install_masking()
