"""A citizen's side of a web chat, for end-to-end tests."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx


class WebCitizen:
    def __init__(self, gateway_url: str) -> None:
        self._http = httpx.Client(base_url=gateway_url, timeout=30)
        self.sender = f"test-{uuid.uuid4().hex[:10]}"

    def say(self, message: str) -> list[dict[str, Any]]:
        response = self._http.post("/api/chat", json={"sender": self.sender, "message": message})
        response.raise_for_status()
        return response.json()["messages"]

    def say_text(self, message: str) -> str:
        """All reply texts and button titles joined, for assertions on what the citizen reads."""
        parts: list[str] = []
        for item in self.say(message):
            parts.append(item.get("text", ""))
            parts.extend(button["title"] for button in item.get("buttons", []))
        return "\n".join(parts)


def sms_code(sandbox: httpx.Client, phone: str, after: set[str] | None = None, wait: float = 5.0) -> str:
    """The newest verification code the sandbox's SMS gateway sent to `phone` (its test outbox),
    skipping message ids in `after`."""
    deadline = time.monotonic() + wait
    while True:
        messages = sandbox.get("/sms/v1/messages", params={"phone": phone}).json()["messages"]
        fresh = [m for m in messages if m["message_id"] not in (after or set())]
        if fresh:
            found = re.search(r"(?<!\d)\d{6}(?!\d)", fresh[0]["text"])
            assert found, fresh[0]["text"]
            return found.group(0)
        if time.monotonic() > deadline:
            raise AssertionError(f"no SMS for {phone}")
        time.sleep(0.1)


def sms_ids(sandbox: httpx.Client, phone: str) -> set[str]:
    return {
        m["message_id"] for m in sandbox.get("/sms/v1/messages", params={"phone": phone}).json()["messages"]
    }
