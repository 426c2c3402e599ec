"""The nonce replay guard and the log redaction, on their own (the attacks over HTTP are in
tests/security)."""

from __future__ import annotations

import logging

import pytest

from common.store import MemoryStore
from integrations.wechat.protocol import ReplayGuard, RequestRejected
from integrations.wechat.redaction import RedactSignedQueries, redact

PARAMS = {"timestamp": "1700000000", "nonce": "4242424242", "signature": "ab" * 20}


class DownStore(MemoryStore):
    async def set_if_absent(self, key: str, value: str, ttl_seconds: float) -> bool:
        raise ConnectionError("store down")


async def test_same_pair_same_body_passes_other_body_is_refused() -> None:
    guard = ReplayGuard(MemoryStore(), "wx1", 300)
    await guard.check(PARAMS, b"<xml>1</xml>", body_signed=False)
    await guard.check(PARAMS, b"<xml>1</xml>", body_signed=False)  # WeChat's retry
    with pytest.raises(RequestRejected) as refused:
        await guard.check(PARAMS, b"<xml>2</xml>", body_signed=False)
    assert refused.value.status_code == 403
    await guard.check({**PARAMS, "nonce": "1"}, b"<xml>2</xml>", body_signed=False)


async def test_pairs_are_per_account() -> None:
    store = MemoryStore()
    await ReplayGuard(store, "wx1", 300).check(PARAMS, b"a", body_signed=False)
    await ReplayGuard(store, "wx2", 300).check(PARAMS, b"b", body_signed=False)


async def test_a_store_outage_refuses_only_unsigned_bodies() -> None:
    guard = ReplayGuard(DownStore(), "wx1", 300)
    await guard.check(PARAMS, b"a", body_signed=True)
    with pytest.raises(RequestRejected) as refused:
        await guard.check(PARAMS, b"a", body_signed=False)
    assert refused.value.status_code == 503


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '1.2.3.4:5 - "POST /wechat?signature=ab&timestamp=1&nonce=2&openid=oX&encrypt_type=aes'
            '&msg_signature=cd HTTP/1.1" 200',
            '1.2.3.4:5 - "POST /wechat HTTP/1.1" 200',
        ),
        (
            "HTTP Request: GET https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential"
            "&appid=wx1&secret=s3cret",
            "HTTP Request: GET https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential"
            "&appid=wx1&secret=***",
        ),
        ("POST /x?access_token=t0k&page=2", "POST /x?access_token=***&page=2"),
    ],
)
def test_redaction(line: str, expected: str) -> None:
    assert redact(line) == expected


def test_the_filter_keeps_uvicorns_positional_arguments() -> None:
    """uvicorn's AccessFormatter unpacks five positional arguments; they must survive."""
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4:5", "POST", "/wechat?signature=ab&nonce=1", "1.1", 200),
        None,
    )
    assert RedactSignedQueries().filter(record)
    assert record.args == ("1.2.3.4:5", "POST", "/wechat", "1.1", 200)
    assert record.getMessage() == '1.2.3.4:5 - "POST /wechat HTTP/1.1" 200'
