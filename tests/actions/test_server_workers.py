"""The action server with two Sanic workers (ACTION_SERVER_WORKERS=2): each forked worker
answers free questions (a paraphrase, which only the retriever answers) from the knowledge
base. Sanic forks its workers, and the retriever's background load started before the fork
would never finish in them (every such question answered "unavailable"); actions/server.py
finishes the load before forking."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from actions.guides.replies import KB_UNAVAILABLE_TEXT
from scripts.stack import PROJECT_ROOT, free_port


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[str, str]]:
    port, token = free_port(), secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "ACTION_SERVER_WORKERS": "2",
        "ACTION_SERVER_TOKEN": token,
        "STATE_DIR": str(tmp_path),
        "SANIC_HOST": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "actions.server", "--actions", "actions", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "action server did not start"
            time.sleep(0.5)
        yield url, token
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def _faq_call(text: str) -> dict:
    sender = f"test-{secrets.token_hex(4)}"
    message = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
    return {
        "next_action": "action_faq_fallback",
        "sender_id": sender,
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": message,
            "events": [{"event": "user", "text": text, "parse_data": message}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": {},
    }


def test_both_workers_answer_free_questions_from_the_knowledge_base(two_workers: tuple[str, str]) -> None:
    url, token = two_workers
    with httpx.Client(timeout=30) as http:
        answers = []
        for _ in range(8):  # each on a new connection: the workers share the listening socket
            response = http.post(
                f"{url}/webhook",
                params={"token": token},
                json=_faq_call("中考一般几月份报名啊"),
                headers={"Connection": "close"},
            )
            assert response.status_code == 200
            answers.append("\n".join(item.get("text") or "" for item in response.json()["responses"]))
    assert all(answer and KB_UNAVAILABLE_TEXT not in answer for answer in answers), answers
