"""/wechat as an attacker meets it on the real gateway: plain-mode downgrade, replayed nonces,
a forged openid, and signed query strings in the logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from integrations.wechat.simulator import Push, render_xml
from tests.security.conftest import GatewayFactory
from tests.wechat.conftest import Account, simulator

VICTIM = "oLinkedCitizen0000000001"
ATTACKER = "oAttackerXXXXXXXXXXXX0002"


def _with_body(push: Push, fields: dict[str, str | int]) -> Push:
    """The same signed query (as copied from a log line) carrying a body of the attacker's choice."""
    merged = {**push.fields, **fields}
    return Push(push.params, render_xml(merged).encode("utf-8"), merged)


async def test_plain_mode_is_refused_when_an_aes_key_is_configured(
    gateway: GatewayFactory, account: Account
) -> None:
    with gateway() as gw:
        async with simulator(gw.wechat_url, account, safe_mode=False) as plain:
            reply = await plain.say(VICTIM, "查水费")
        async with simulator(gw.wechat_url, account) as safe:
            encrypted = await safe.say(VICTIM, "查水费")
    assert (reply.status_code, reply.body) == (403, "forbidden")
    assert encrypted.text == "答：查水费"
    assert gw.brain.calls == [(f"wechat:{VICTIM}", "查水费")]


async def test_a_replayed_nonce_with_another_body_is_refused_but_a_genuine_retry_is_answered(
    gateway: GatewayFactory, account: Account
) -> None:
    """Plain mode, where the signature covers no body: exactly the logged-URL attack."""
    with gateway(WECHAT_ENCODING_AES_KEY="") as gw:
        async with simulator(gw.wechat_url, account, safe_mode=False) as wechat:
            genuine = wechat.text(VICTIM, "你好")
            first = await wechat.push(genuine)
            retry = await wechat.push(genuine)
            forged = _with_body(genuine, {"Content": "查水费", "MsgId": 77})
            replayed = await wechat.push(forged)
            late_retry = await wechat.push(genuine)
    assert first.text is not None and first.text == retry.text == late_retry.text
    assert (replayed.status_code, replayed.body) == (403, "forbidden")
    assert gw.brain.calls == [(f"wechat:{VICTIM}", "你好")]


async def test_a_genuine_safe_mode_retry_gets_the_first_answer(
    gateway: GatewayFactory, account: Account
) -> None:
    with gateway() as gw:
        async with simulator(gw.wechat_url, account) as wechat:
            push = wechat.text(VICTIM, "怎么办护照")
            answers = [await wechat.push(push) for _ in range(4)]  # WeChat's three retries
    assert {answer.text for answer in answers} == {"答：怎么办护照"}
    assert len(gw.brain.calls) == 1


@pytest.mark.parametrize("safe_mode", [True, False])
async def test_an_openid_that_is_not_the_sender_is_refused(
    gateway: GatewayFactory, account: Account, safe_mode: bool
) -> None:
    env = {} if safe_mode else {"WECHAT_ENCODING_AES_KEY": ""}
    with gateway(**env) as gw:
        async with simulator(gw.wechat_url, account, safe_mode=safe_mode) as wechat:
            push = wechat.text(VICTIM, "查水费")
            forged = Push({**push.params, "openid": ATTACKER}, push.body, push.fields)
            refused = await wechat.push(forged)
    assert (refused.status_code, refused.body) == (403, "forbidden")
    assert gw.brain.calls == []


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def captured_logs() -> Iterator[Captured]:
    """Every line the gateway's process logs, uvicorn's access log (which does not propagate to
    the root logger) and httpx's request log included, at INFO as in production. Entered once
    the server runs: uvicorn's start-up logging configuration resets these loggers."""
    handler = Captured()
    names = ("", "uvicorn.access", "uvicorn.error", "httpx")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


async def test_signed_query_strings_never_reach_a_log_line(gateway: GatewayFactory, account: Account) -> None:
    with gateway() as gw, captured_logs() as captured:
        async with simulator(gw.wechat_url, account) as wechat:
            answered = wechat.text(VICTIM, "你好")
            await wechat.push(answered)
            refused = Push({**answered.params, "openid": ATTACKER}, answered.body, answered.fields)
            await wechat.push(refused)
            await wechat.verify_url("echo-abc")
    lines = "\n".join(captured.lines)
    # uvicorn's access log did record the requests, without their query
    assert '"POST /wechat HTTP/1.1" 200' in lines and '"GET /wechat HTTP/1.1" 200' in lines
    for secret in (answered.params["signature"], answered.params["msg_signature"], "echo-abc"):
        assert secret not in lines
    assert "signature=" not in lines and "nonce=" not in lines
    if len(answered.params["nonce"]) >= 6:
        assert answered.params["nonce"] not in lines
