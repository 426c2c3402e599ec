"""A fake Rasa server for the gateway's reliability suites: it answers the REST webhook with
whatever the test queues (nothing at all by default, as Rasa does when the action server is
down) and reports a loaded model."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request


class FakeRasa:
    def __init__(self) -> None:
        self.replies: list[list[dict[str, Any]]] = []
        self.received: list[str] = []
        self.app = FastAPI()

        @self.app.post("/webhooks/rest/webhook")
        async def webhook(request: Request) -> list[dict[str, Any]]:
            body = await request.json()
            self.received.append(body["message"])
            return self.replies.pop(0) if self.replies else []

        @self.app.get("/status")
        async def status() -> dict[str, Any]:
            return {"model_file": "citizen-fake.tar.gz"}
