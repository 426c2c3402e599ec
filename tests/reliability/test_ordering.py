"""Two gateway workers and two Rasa workers on Redis (GATEWAY_WORKERS=2, RASA_WORKERS=2): several
citizens write at once, some faster than they are answered, and WeChat sends some messages
twice (its retry of a late answer, the same MsgId, possibly to the other worker). Each
citizen's conversation as Rasa stored it holds every message exactly once, in the order sent.

The messages of one citizen overlap (the next leaves before the last is answered) and reach
whichever gateway worker and Rasa worker the kernel hands the connection to: what keeps them in
order is Rasa's Redis lock store (one conversation's messages one at a time, in arrival order).
Skipped where no Redis runs on 127.0.0.1:6379; CI has one."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from benchmarks.faults import conversation_order, recorded_user_texts
from common.text_normalization import normalize_message
from integrations.wechat.fake_api import FakeWeChatApi
from integrations.wechat.simulator import WeChatSimulator
from scripts.stack import Stack
from tests.servers import serve

pytestmark = pytest.mark.e2e
REDIS_URL = "redis://127.0.0.1:6379/13"  # db 13 and 14 (the lock store): this module's own
WEB_CITIZENS = 4
WECHAT_CITIZENS = 2
MESSAGES = 8
# A citizen's burst: the next message leaves this long after the last, before its answer.
BURST_GAP_SECONDS = 0.25
SETTLE_SECONDS = 60.0


def numbered(sender: str, index: int) -> str:
    """Plain greetings Rasa answers by itself (no department, no form), numbered to be told apart."""
    return f"你好，这是第{index}句，{sender[-4:]}"


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, dict[str, str]]]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).flushdb()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    wechat = FakeWeChatApi("wx" + secrets.token_hex(8), secrets.token_hex(16))
    with serve(wechat.app()) as wechat_url:
        env = {
            "WECHAT_TOKEN": secrets.token_hex(16),
            "WECHAT_APP_ID": wechat.app_id,
            "WECHAT_APP_SECRET": wechat.app_secret,
            "WECHAT_ENCODING_AES_KEY": base64.b64encode(os.urandom(32)).decode().rstrip("="),
            "WECHAT_API_BASE": wechat_url,
        }
        stack = Stack.on_free_ports(
            tmp_path_factory.mktemp("ordering"),
            LOG_LEVEL="WARNING",
            GATEWAY_WORKERS="2",
            RASA_WORKERS="2",
            REDIS_URL=REDIS_URL,
            AGENT_SESSION_SECRET=secrets.token_hex(32),
            **env,
        )
        model = os.environ.get("STACK_MODEL")
        stack.start(Path(model) if model else None)
        try:
            yield stack, env
        finally:
            stack.stop()


async def web_citizen(http: httpx.AsyncClient, gateway_url: str, sent: dict[str, list[str]]) -> None:
    """Three messages each after the last answer, then a burst of the rest."""
    sender = f"order-{uuid.uuid4().hex[:10]}"
    texts = [numbered(sender, index) for index in range(1, MESSAGES + 1)]
    sent[f"web:{sender}"] = texts

    async def say(text: str) -> None:
        response = await http.post(f"{gateway_url}/api/chat", json={"sender": sender, "message": text})
        assert response.status_code == 200 and response.json()["messages"], response.text

    for text in texts[:3]:
        await say(text)
    burst = []
    for text in texts[3:]:
        burst.append(asyncio.create_task(say(text)))
        await asyncio.sleep(BURST_GAP_SECONDS)
    await asyncio.gather(*burst)


async def wechat_citizen(wechat: WeChatSimulator, sent: dict[str, list[str]]) -> None:
    """Every other message is pushed twice, the second push while the first is in flight."""
    openid = f"oOrder{uuid.uuid4().hex[:22]}"
    texts = [numbered(openid, index) for index in range(1, MESSAGES + 1)]
    sent[f"wechat:{openid}"] = texts
    for index, text in enumerate(texts):
        push = wechat.text(openid, text)
        first = asyncio.create_task(wechat.push(push))
        if index % 2:
            await asyncio.sleep(0.1)
            again = await wechat.push(push)
            assert again.status_code == 200
        assert (await first).status_code == 200


async def write_at_once(stack: Stack, env: dict[str, str]) -> dict[str, list[str]]:
    sent: dict[str, list[str]] = {}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=0)  # a connection each
    async with (
        httpx.AsyncClient(timeout=120, limits=limits) as http,
        WeChatSimulator(
            f"{stack.gateway_url}/wechat",
            env["WECHAT_TOKEN"],
            env["WECHAT_APP_ID"],
            env["WECHAT_ENCODING_AES_KEY"],
            timeout_seconds=120,
        ) as wechat,
    ):
        await asyncio.gather(
            *(web_citizen(http, stack.gateway_url, sent) for _ in range(WEB_CITIZENS)),
            *(wechat_citizen(wechat, sent) for _ in range(WECHAT_CITIZENS)),
        )
    return sent


def test_each_conversation_is_recorded_once_and_in_order(workers: tuple[Stack, dict[str, str]]) -> None:
    stack, env = workers
    assert len(stack.workers("gateway")) >= 2 and len(stack.workers("rasa")) >= 2
    sent = asyncio.run(write_at_once(stack, env))
    counts = conversation_order(stack, sent)
    # A WeChat message answered later than the passive-reply deadline may still be with Rasa.
    waited = time.monotonic()
    while counts["lost"] and time.monotonic() - waited < SETTLE_SECONDS:
        time.sleep(1)
        counts = conversation_order(stack, sent)
    disorder = {
        sender: recorded
        for sender, texts in sent.items()
        if (recorded := recorded_user_texts(stack, sender)) != [normalize_message(text) for text in texts]
    }
    assert counts["conversations"] == WEB_CITIZENS + WECHAT_CITIZENS
    assert counts["messages"] == (WEB_CITIZENS + WECHAT_CITIZENS) * MESSAGES
    assert counts["lost"] == counts["doubled"] == 0, (counts, disorder)
    assert counts["in order"] == counts["conversations"], (counts, disorder)
