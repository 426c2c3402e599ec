"""HTTP client of the Rasa server: every call has a timeout and raises one error type.

Whatever goes wrong on the way (connection refused while Rasa restarts, a timeout, a reset
connection, a 5xx, a body that is not JSON) is `RasaUnavailable`, which the brain turns into
the polite busy answer: never a 500 to the citizen.

With several Rasa instances (RASA_URLS, on the Redis tracker and lock stores) each citizen has
a preferred instance, and a message that cannot even connect to it (the instance died or is
starting) goes to the next: nothing reached the dead one, so nothing is processed twice. Any
other failure after the message was sent stays `RasaUnavailable`, because that instance may
have handled it."""

from __future__ import annotations

import zlib
from typing import Any

import httpx

from common.settings import load_settings


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered with an error."""


class RasaClient:
    """`base_url`: one Rasa, or several separated by commas. `token`: Rasa's `--auth-token`,
    sent as `?token=` on every call (RASA_AUTH_TOKEN when not given; empty sends none)."""

    def __init__(self, base_url: str, timeout_seconds: float, token: str | None = None) -> None:
        token = load_settings().rasa_auth_token if token is None else token
        urls = [url.strip().rstrip("/") for url in base_url.split(",") if url.strip()]
        self._instances = [
            httpx.AsyncClient(
                base_url=url, timeout=timeout_seconds, params={"token": token} if token else None
            )
            for url in urls
        ]

    def _in_turn(self, sender: str | None) -> list[httpx.AsyncClient]:
        """The instances in the order to try: the citizen's own first, then the others."""
        first = zlib.crc32(sender.encode()) % len(self._instances) if sender else 0
        return self._instances[first:] + self._instances[:first]

    async def _post(self, path: str, payload: dict[str, Any], sender: str | None = None) -> Any:
        for http in self._in_turn(sender):
            try:
                response = await http.post(path, json=payload)
                response.raise_for_status()
                return response.json()
            except (httpx.ConnectError, httpx.ConnectTimeout):
                continue  # never reached this instance: the next one may take the message
            except (httpx.HTTPError, OSError, ValueError) as error:
                raise RasaUnavailable(f"{path}: {type(error).__name__}: {error}") from error
        raise RasaUnavailable(f"{path}: no Rasa instance accepts connections")

    async def send_message(self, sender: str, text: str) -> list[dict[str, Any]]:
        """The REST channel's webhook: the bot's messages for one user message."""
        return await self._post("/webhooks/rest/webhook", {"sender": sender, "message": text}, sender)

    async def parse(self, text: str) -> dict[str, Any]:
        return await self._post("/model/parse", {"text": text})

    async def is_ready(self) -> bool:
        """Ready means a model is loaded, not merely that the port answers: any instance will do."""
        for http in self._instances:
            try:
                response = await http.get("/status", timeout=2.0)
                body = response.json()
                if response.status_code == 200 and isinstance(body, dict) and bool(body.get("model_file")):
                    return True
            except (httpx.HTTPError, OSError, ValueError):
                continue
        return False

    async def close(self) -> None:
        for http in self._instances:
            await http.aclose()
