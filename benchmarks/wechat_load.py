"""Load test of the WeChat channel on loopback: many citizens writing at once in safe mode.

Each simulated citizen sends its messages one after another (as a person waits for the
answer); every push is signed and encrypted like WeChat's servers do, and a share of them
is retried with the same MsgId, as WeChat does when it thinks an answer is late. The brain
is the real stack when --rasa-url is given (Rasa, action server and sandbox must be
running), else a fake brain with a realistic delay and a small share of slow answers
that must go out through the customer-service API of a local fake WeChat API server.

    python -m benchmarks.wechat_load [--users 50] [--messages 4] [--rasa-url URL ...]

Prints the figures and writes benchmarks/reports/wechat_load.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import httpx  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from prometheus_client import make_asgi_app  # noqa: E402

from benchmarks.report import markdown_table, percentile, write_report  # noqa: E402
from bot.brain import BotMessage  # noqa: E402
from bot.delivery import Deliveries  # noqa: E402
from common.store import MemoryStore  # noqa: E402
from integrations.wechat.fake_api import FakeWeChatApi  # noqa: E402
from integrations.wechat.router import mount_wechat  # noqa: E402
from integrations.wechat.simulator import WeChatSimulator  # noqa: E402
from scripts.stack import free_port  # noqa: E402
from tests.servers import serve  # noqa: E402

WECHAT_LIMIT_SECONDS = 5.0
MESSAGES = ("你好", "水费怎么交", "怎么办护照", "谢谢")


class LatencyBrain:
    """Answers after a log-normal delay (median ~150 ms, like Rasa plus one department call);
    `slow_share` of the answers take `slow_seconds`, like a department that is struggling."""

    def __init__(self, slow_share: float, slow_seconds: float) -> None:
        self._random = random.Random()
        self._slow_share = slow_share
        self._slow_seconds = slow_seconds

    async def respond(self, sender: str, text: str) -> list[BotMessage]:
        slow = self._random.random() < self._slow_share
        await asyncio.sleep(self._slow_seconds if slow else self._random.lognormvariate(-1.9, 0.5))
        return [
            {
                "text": f"好的，关于“{text}”：请按提示办理。",
                "buttons": [{"title": "返回菜单", "payload": "/help"}],
            }
        ]


def fake_gateway() -> FastAPI:
    """uvicorn factory of the gateway process when no real stack is given: /wechat with the
    fake brain (WECHAT_LOAD_SLOW_SHARE / WECHAT_LOAD_SLOW_SECONDS) and /metrics."""
    app = FastAPI()
    brain = LatencyBrain(
        float(os.environ["WECHAT_LOAD_SLOW_SHARE"]), float(os.environ["WECHAT_LOAD_SLOW_SECONDS"])
    )
    mount_wechat(app, brain, MemoryStore(), Deliveries())
    app.mount("/metrics", make_asgi_app())
    return app


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    passive_by_user: Counter[str] = field(default_factory=Counter)
    sent_by_user: Counter[str] = field(default_factory=Counter)
    deferred: int = 0
    retries: int = 0
    retry_mismatches: int = 0
    refused: int = 0


@contextmanager
def _gateway_process(target: str, env: dict[str, str]) -> Iterator[str]:
    """The gateway in its own process, as deployed, so the load generator does not share its GIL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        [*command, "--log-level", "warning"], env={**os.environ, **env}, cwd=PROJECT_ROOT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{url}/metrics", timeout=1, follow_redirects=True)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the gateway did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _brain_calls(gateway_url: str) -> int:
    """Pushes that reached the brain: the channel's passive plus deferred outcomes."""
    text = httpx.get(f"{gateway_url}/metrics", timeout=5, follow_redirects=True).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith("gateway_wechat_messages_total{") and (
            'outcome="passive"' in line or 'outcome="deferred"' in line
        ):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


async def _citizen(
    wechat: WeChatSimulator, openid: str, count: int, retry_share: float, rng: random.Random, results: Results
) -> None:
    for index in range(count):
        push = wechat.text(openid, MESSAGES[index % len(MESSAGES)])
        started = time.perf_counter()
        reply = await wechat.push(push)
        results.latencies.append(time.perf_counter() - started)
        results.sent_by_user[openid] += 1
        if reply.status_code != 200:
            results.refused += 1
        elif reply.text is not None:
            results.passive_by_user[openid] += 1
        else:
            results.deferred += 1
        if rng.random() < retry_share:
            results.retries += 1
            again = await wechat.push(push)
            if again.text != reply.text:
                results.retry_mismatches += 1


async def _drive(url: str, env: dict[str, str], args: argparse.Namespace) -> Results:
    results = Results()
    rng = random.Random(args.seed)
    wechat = WeChatSimulator(
        url, env["WECHAT_TOKEN"], env["WECHAT_APP_ID"], env["WECHAT_ENCODING_AES_KEY"], timeout_seconds=60
    )
    async with wechat:
        run_id = secrets.token_hex(3)
        openids = [f"oLoad{run_id}{index:013d}" for index in range(args.users)]
        await asyncio.gather(
            *(_citizen(wechat, openid, args.messages, args.retry_share, rng, results) for openid in openids)
        )
    return results


def run(args: argparse.Namespace) -> str:
    env = {
        "WECHAT_TOKEN": secrets.token_hex(16),
        "WECHAT_APP_ID": "wx" + secrets.token_hex(8),
        "WECHAT_APP_SECRET": secrets.token_hex(16),
        "WECHAT_ENCODING_AES_KEY": base64.b64encode(os.urandom(32)).decode().rstrip("="),
        "WECHAT_REPLY_DEADLINE_SECONDS": str(args.deadline),
        "WECHAT_LOAD_SLOW_SHARE": str(args.slow_share),
        "WECHAT_LOAD_SLOW_SECONDS": str(args.slow_seconds),
        "REDIS_URL": "",
    }
    target = "benchmarks.wechat_load:fake_gateway"
    if args.rasa_url:
        target = "bot.app:create_app"
        env.update(
            RASA_URL=args.rasa_url, ACTION_SERVER_URL=args.action_server_url, SANDBOX_URL=args.sandbox_url
        )
    platform = FakeWeChatApi(env["WECHAT_APP_ID"], env["WECHAT_APP_SECRET"])
    with serve(platform.app()) as api_url:
        env["WECHAT_API_BASE"] = api_url
        with _gateway_process(target, env) as gateway_url:
            started = time.perf_counter()
            results = asyncio.run(_drive(f"{gateway_url}/wechat", env, args))
            elapsed = time.perf_counter() - started
            platform.wait_for_deliveries(results.deferred, timeout_seconds=args.slow_seconds + 30)
            brain_calls = _brain_calls(gateway_url)
    delivered = Counter(item["touser"] for item in platform.delivered)
    answered = {user: results.passive_by_user[user] + delivered[user] for user in results.sent_by_user}
    lost = sum(max(0, results.sent_by_user[user] - answered[user]) for user in answered)
    doubled = sum(max(0, answered[user] - results.sent_by_user[user]) for user in answered)
    sent = sum(results.sent_by_user.values())
    latencies = results.latencies
    within = sum(1 for value in latencies if value <= WECHAT_LIMIT_SECONDS) / max(1, len(latencies))
    brain_line = (
        f"real stack (Rasa at {args.rasa_url})"
        if args.rasa_url
        else f"fake brain: log-normal, median ~150 ms; {args.slow_share:.0%} take {args.slow_seconds:.0f} s"
    )
    percentiles = " / ".join(f"{percentile(latencies, q) * 1000:.0f} ms" for q in (0.5, 0.95, 0.99))
    rows = [
        ("brain", brain_line),
        ("citizens x messages", f"{args.users} x {args.messages} = {sent}, safe mode, one gateway process"),
        ("reply deadline", f"{args.deadline:.1f} s"),
        ("machine", f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end"),
        ("wall time", f"{elapsed:.1f} s ({sent / elapsed:.1f} messages/s)"),
        ("passive-reply latency p50 / p95 / p99", percentiles),
        ("max latency", f"{max(latencies) * 1000:.0f} ms"),
        ("answered within WeChat's 5 s", f"{within:.1%}"),
        ("answered passively", f"{sum(results.passive_by_user.values())}"),
        ("deferred to customer-service API (delivered)", f"{results.deferred} ({sum(delivered.values())})"),
        ("WeChat retries sent / answered differently", f"{results.retries} / {results.retry_mismatches}"),
        ("brain calls (should equal messages)", f"{brain_calls}"),
        ("refused requests", f"{results.refused}"),
        ("lost answers", f"{lost}"),
        ("doubled answers", f"{doubled}"),
        ("access-token fetches", f"{platform.token_requests}"),
    ]
    return markdown_table(["measure", "value"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.wechat_load", description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--messages", type=int, default=4, help="messages per citizen, sent one after another"
    )
    parser.add_argument("--deadline", type=float, default=4.0, help="WECHAT_REPLY_DEADLINE_SECONDS")
    parser.add_argument("--retry-share", type=float, default=0.1, help="share of pushes WeChat sends twice")
    parser.add_argument("--slow-share", type=float, default=0.02, help="fake brain: share of slow answers")
    parser.add_argument("--slow-seconds", type=float, default=6.0, help="fake brain: delay of a slow answer")
    parser.add_argument("--seed", type=int, default=7, help="which pushes are retried")
    parser.add_argument("--rasa-url", default="", help="use the real stack's brain through this Rasa")
    parser.add_argument("--action-server-url", default="http://127.0.0.1:5055")
    parser.add_argument("--sandbox-url", default="http://127.0.0.1:8100")
    args = parser.parse_args(argv)
    write_report("wechat_load", "WeChat channel load test", run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
