"""HTTP client of the Rasa server: every call has a timeout and raises one error type.

Whatever goes wrong on the way (connection refused while Rasa restarts, a timeout, a reset
connection, a 5xx, a body that is not JSON) is `RasaUnavailable`, which the brain turns into
the polite busy answer: never a 500 to the citizen."""

from __future__ import annotations

from typing import Any

import httpx

from common.settings import load_settings


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered with an error."""


class RasaClient:
    """`token`: Rasa's `--auth-token`, sent as `?token=` on every call (RASA_AUTH_TOKEN when not
    given; empty sends none)."""

    def __init__(self, base_url: str, timeout_seconds: float, token: str | None = None) -> None:
        token = load_settings().rasa_auth_token if token is None else token
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout_seconds, params={"token": token} if token else None
        )

    async def _post(self, path: str, payload: dict[str, Any]) -> Any:
        try:
            response = await self._http.post(path, json=payload)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, OSError, ValueError) as error:
            raise RasaUnavailable(f"{path}: {type(error).__name__}: {error}") from error

    async def send_message(self, sender: str, text: str) -> list[dict[str, Any]]:
        """The REST channel's webhook: the bot's messages for one user message."""
        return await self._post("/webhooks/rest/webhook", {"sender": sender, "message": text})

    async def parse(self, text: str) -> dict[str, Any]:
        return await self._post("/model/parse", {"text": text})

    async def is_ready(self) -> bool:
        """Ready means a model is loaded, not merely that the port answers."""
        try:
            response = await self._http.get("/status", timeout=2.0)
            body = response.json()
            return response.status_code == 200 and isinstance(body, dict) and bool(body.get("model_file"))
        except (httpx.HTTPError, OSError, ValueError):
            return False

    async def close(self) -> None:
        await self._http.aclose()
