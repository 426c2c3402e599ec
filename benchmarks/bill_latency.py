"""End-to-end latency of a bill query through the gateway, against Rasa's bare REST webhook
answering a simple utterance, measured in one run on one freshly started stack.

    python -m benchmarks.bill_latency [--requests 60] [--model models/citizen-....tar.gz]

The bill query crosses every hop a citizen's question does (gateway -> Rasa -> action server
-> department sandbox, twice: validating the account and answering); the baseline is the
cheapest thing Rasa can do over HTTP. A third row sends the same bill query to Rasa's REST
webhook directly, so the gateway's own overhead shows as the difference.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path

import httpx

from benchmarks.report import LATENCY_HEADER, latency_row, markdown_table, timed, write_report
from scripts.stack import Stack

BILL_QUERY = "查水费 3100012345"
SIMPLE_UTTERANCE = "谢谢"


def _senders(count: int) -> list[str]:
    """A new conversation per request, so every bill query starts from the same state."""
    return [f"bench-{uuid.uuid4().hex[:12]}" for _ in range(count)]


def measure(stack: Stack, requests: int) -> list[list[str]]:
    rasa_webhook = f"{stack.env['RASA_URL']}/webhooks/rest/webhook"
    with httpx.Client(timeout=30) as http:

        def gateway_bill(sender: str) -> httpx.Response:
            return http.post(f"{stack.gateway_url}/api/chat", json={"sender": sender, "message": BILL_QUERY})

        def rasa_bill(sender: str) -> httpx.Response:
            return http.post(rasa_webhook, json={"sender": sender, "message": BILL_QUERY})

        def rasa_simple(sender: str) -> httpx.Response:
            return http.post(rasa_webhook, json={"sender": sender, "message": SIMPLE_UTTERANCE})

        reply = gateway_bill("bench-check").json()["messages"][0]["text"]
        if "86.40" not in reply:
            raise RuntimeError(f"the bill query did not answer the bill: {reply!r}")
        timed(_senders(5), rasa_simple)
        return [
            latency_row(
                "Rasa REST webhook, simple utterance (baseline)", timed(_senders(requests), rasa_simple)
            ),
            latency_row("Rasa REST webhook, bill query", timed(_senders(requests), rasa_bill)),
            latency_row("gateway /api/chat, bill query", timed(_senders(requests), gateway_bill)),
        ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument(
        "--model", type=Path, help="a trained model to serve (default: train or reuse the cached one)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as state_dir:
        stack = Stack.on_free_ports(Path(state_dir), LOG_LEVEL="WARNING")
        stack.start(args.model)
        try:
            rows = measure(stack, args.requests)
        finally:
            stack.stop()
    body = (
        f"Sequential requests, a new sender each time, on this machine (loopback).\n\n"
        f"{markdown_table(LATENCY_HEADER, rows)}\n\n"
        f"Bill query: “{BILL_QUERY}” (validates the account with the water company, then "
        f"answers from it). Baseline: “{SIMPLE_UTTERANCE}” answered by a rule, no custom action."
    )
    write_report("bill_latency", "Bill query latency: gateway vs bare Rasa REST webhook", body)


if __name__ == "__main__":
    main()
