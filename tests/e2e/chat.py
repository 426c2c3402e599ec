"""A citizen's side of a web chat, for end-to-end tests."""

from __future__ import annotations

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
