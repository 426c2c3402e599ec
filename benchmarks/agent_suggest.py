"""How fast the agent console's suggestions appear, and how often the right entry is first.

    python -m benchmarks.agent_suggest [--requests 100] [--model models/citizen-....tar.gz]

Held-out caller questions (never indexed) go to `POST /api/agent/suggest`, which asks Rasa
for intent and entities and the knowledge base for the closest entries. The baselines in the
same run are its two halves alone: `GET /api/kb/search` and `POST /api/nlu/parse`.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
from pathlib import Path

import httpx

from benchmarks.report import LATENCY_HEADER, latency_row, markdown_table, timed, write_report
from bot.agent_auth import hash_password
from knowledge_base.heldout import heldout_files, load_heldout
from scripts.stack import Stack

AGENT = "bench"


def measure(stack: Stack, password: str, requests: int) -> tuple[list[list[str]], str]:
    questions = [q for path in heldout_files() for q in load_heldout(path) if q.expected][:requests]
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as http:
        http.post("/api/agent/login", json={"user": AGENT, "password": password}).raise_for_status()

        def suggest(text: str) -> httpx.Response:
            return http.post("/api/agent/suggest", json={"text": text})

        def kb_search(text: str) -> httpx.Response:
            return http.get("/api/kb/search", params={"q": text, "k": 3})

        def nlu_parse(text: str) -> httpx.Response:
            return http.post("/api/nlu/parse", json={"text": text})

        texts = [q.text for q in questions]
        firsts = [suggest(text).json()["suggestions"] for text in texts]
        top1 = sum(bool(s) and s[0]["id"] == q.expected for s, q in zip(firsts, questions, strict=True))
        rows = [
            latency_row("GET /api/kb/search (baseline: knowledge base alone)", timed(texts, kb_search)),
            latency_row("POST /api/nlu/parse (baseline: Rasa NLU alone)", timed(texts, nlu_parse)),
            latency_row("POST /api/agent/suggest (both, what the console shows)", timed(texts, suggest)),
        ]
    return (
        rows,
        f"right entry first in {top1} of {len(questions)} held-out questions ({top1 / len(questions):.1%})",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument(
        "--model", type=Path, help="a trained model to serve (default: train or reuse the cached one)"
    )
    args = parser.parse_args(argv)
    password = secrets.token_urlsafe(12)
    with tempfile.TemporaryDirectory() as state_dir:
        stack = Stack.on_free_ports(
            Path(state_dir), LOG_LEVEL="WARNING", AGENT_USERS=f"{AGENT}:{hash_password(password)}"
        )
        stack.start(args.model)
        try:
            rows, quality = measure(stack, password, args.requests)
        finally:
            stack.stop()
    body = (
        "Sequential requests from one logged-in agent on this machine (loopback), held-out "
        "caller questions that have an answer.\n\n"
        f"{markdown_table(LATENCY_HEADER, rows)}\n\n"
        f"Suggestions: {quality}. The console asks 250 ms after the agent stops typing."
    )
    write_report("agent_suggest", "Agent console suggestions: latency and first-hit rate", body)


if __name__ == "__main__":
    main()
