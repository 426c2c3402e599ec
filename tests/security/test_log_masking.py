"""Every path a log line can take comes out masked: the root handlers, uvicorn's access logger
with its own (non-propagating) handler and formatter, httpx's request lines with URL objects as
arguments, SQLAlchemy errors carrying their parameters, and tracebacks."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert
from uvicorn.logging import AccessFormatter

from common.masking import LIBRARY_LOGGERS, PiiMaskingFilter, configure_logging, install_masking

ID_NUMBER, PHONE, OPENID = "371002198503122311", "13805310001", "oDemoZhangWei0001"
SIGNATURE, NONCE, TOKEN = "5d1c0f8e9a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d", "1823456789", "rasa-secret-token-123"
SECRETS = (ID_NUMBER, PHONE, OPENID, SIGNATURE, NONCE, TOKEN)


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """A root handler writing to a buffer, masked by `configure_logging` as in a process; every
    filter and formatter it installs is taken off again afterwards."""
    root = logging.getLogger()
    names = ("", *LIBRARY_LOGGERS)
    saved = {name: (logging.getLogger(name).filters[:], logging.getLogger(name).level) for name in names}
    saved_handlers = {id(handler): (handler.filters[:], handler.formatter) for handler in root.handlers}
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    configure_logging("INFO")
    root.setLevel(logging.INFO)  # basicConfig leaves the level alone where pytest has handlers
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        for existing in root.handlers:
            if id(existing) in saved_handlers:
                existing.filters[:], existing.formatter = saved_handlers[id(existing)]
        for name, (filters, level) in saved.items():
            logging.getLogger(name).filters[:] = filters
            logging.getLogger(name).setLevel(level)


def _assert_masked(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} leaked in:\n{text}"


def test_identifiers_and_signed_urls_in_messages_and_arguments(output: io.StringIO) -> None:
    logging.getLogger("actions.bills").info("citizen %s phone %s openid %s", ID_NUMBER, PHONE, OPENID)
    url = httpx.URL(
        "http://127.0.0.1:8100/population/v1/citizens",
        params={"id_number": ID_NUMBER, "phone": PHONE, "wechat_openid": OPENID},
    )
    logging.getLogger("httpx").info('HTTP Request: %s %s "%s %d %s"', "GET", url, "HTTP/1.1", 200, "OK")
    signed = f"/wechat?signature={SIGNATURE}&timestamp=1700000000&nonce={NONCE}&openid={OPENID}"
    logging.getLogger("integrations.wechat").warning("refused %s", signed)
    logging.getLogger("bot.rasa_client").info("calling http://127.0.0.1:5005/model/parse?token=%s", TOKEN)
    logging.getLogger("actions").info("headers %r", {"Authorization": f"Bearer {TOKEN}"})
    text = output.getvalue()
    _assert_masked(text)
    assert "3710**********2311" in text and "138****0001" in text and "oDem****0001" in text
    assert "signature=***" in text and "nonce=***" in text and "token=***" in text
    assert "HTTP Request: GET http://127.0.0.1:8100/population/v1/citizens?" in text and "200 OK" in text


def test_sqlalchemy_errors_and_their_parameters(output: io.StringIO) -> None:
    engine = create_engine("sqlite://")
    people = Table(
        "people",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("phone", String, unique=True),
        Column("id_number", String),
    )
    people.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(people), {"phone": PHONE, "id_number": ID_NUMBER})
    with pytest.raises(sqlalchemy.exc.IntegrityError) as raised, engine.begin() as connection:
        connection.execute(insert(people), {"phone": PHONE, "id_number": ID_NUMBER})
    assert PHONE in str(raised.value)  # SQLAlchemy does put the parameters in the error
    logger = logging.getLogger("sqlalchemy.engine.Engine")
    logger.error("insert failed: %s", raised.value)
    try:
        raise raised.value
    except sqlalchemy.exc.IntegrityError:
        logging.getLogger("bot.handoff").exception("while saving")
    text = output.getvalue()
    _assert_masked(text)
    assert "[parameters:" in text and "Traceback (most recent call last)" in text


def test_tracebacks_and_stacks(output: io.StringIO) -> None:
    def lookup(phone: str) -> None:
        raise LookupError(f"no bill for {phone} / {ID_NUMBER}")

    try:
        lookup(PHONE)
    except LookupError:
        logging.getLogger("actions.bills").exception("lookup failed")
    logging.getLogger("actions.bills").warning("where %s", PHONE, stack_info=True)
    text = output.getvalue()
    _assert_masked(text)
    assert "LookupError: no bill for 138****0001" in text


def test_uvicorn_access_log_with_its_own_handler_keeps_its_layout() -> None:
    """uvicorn's default logging gives uvicorn.access its own handler (AccessFormatter, which
    unpacks five positional arguments) and stops propagation: masked there as well."""
    access = logging.getLogger("uvicorn.access")
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(
        AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False)
    )
    saved = (access.filters[:], access.propagate, access.level)
    access.addHandler(handler)
    access.propagate = False
    access.setLevel(logging.INFO)
    try:
        install_masking()
        assert any(isinstance(existing, PiiMaskingFilter) for existing in handler.filters)
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            f"/api/chat/updates?sender=web:{PHONE}&token={TOKEN}",
            "1.1",
            200,
        )
    finally:
        access.removeHandler(handler)
        access.filters[:], access.propagate, access.level = saved
    line = buffer.getvalue()
    _assert_masked(line)
    assert line.startswith(
        '127.0.0.1:5000 - "GET /api/chat/updates?sender=web:138****0001&token=*** HTTP/1.1" 200'
    )


def test_the_wechat_channels_own_filter_still_drops_its_query() -> None:
    from integrations.wechat import redaction

    access = logging.getLogger("uvicorn.access")
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    saved = (access.filters[:], access.level)
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        redaction.install()
        install_masking()
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "1.2.3.4:5",
            "POST",
            f"/wechat?signature={SIGNATURE}&nonce={NONCE}",
            "1.1",
            200,
        )
    finally:
        access.removeHandler(handler)
        access.filters[:], access.level = saved
    text = buffer.getvalue()
    _assert_masked(text)
    assert text.startswith('1.2.3.4:5 - "POST /wechat HTTP/1.1" 200')
