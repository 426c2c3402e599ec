"""HTTP client of the Rasa server: every call has a timeout and raises one error type.

Whatever goes wrong on the way (connection refused while Rasa restarts, a timeout, a reset
connection, a 5xx, a body that is not JSON) is `RasaUnavailable`, which the brain turns into
the polite busy answer: never a 500 to the citizen.

With several Rasa instances (RASA_URLS, on the Redis tracker and lock stores) each citizen has
a preferred instance, and a message goes to the next one only when it cannot have been
processed twice:
- the connection to the preferred one was refused (it died or is starting): nothing reached it;
- the preferred one dropped the connection without an answer (killed mid-message) and now
  refuses connections (its process is gone, not merely slow), and the conversation in the
  shared tracker store does not end with this message. Rasa stores a message's events only
  once the whole message is handled, so the dead instance's work on it is lost and the next
  instance handles it as new; an action it had already run is run again, and every department
  write is made with an idempotency key (a booking, a ticket, a payment), so the citizen gets
  the same record back, not a second one. A conversation that does end with the same text
  (the citizen sent it before, or the dead instance stored it just before dying) is not
  resent.
Any other failure after the message was sent (a timeout: the instance may still be handling
it) stays `RasaUnavailable`.

The calls go through aiohttp, not httpx: every citizen message crosses this hop, and httpx
spent about 1 ms of the gateway's CPU on each call where aiohttp spends 0.25 ms (measured on
this 2-core machine against a local server), most of what the gateway added to Rasa's own
time one message at a time (issue 18's 1.1x target)."""

from __future__ import annotations

import asyncio
import logging
import zlib
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from common.http_sessions import LoopSessions
from common.settings import load_settings

logger = logging.getLogger(__name__)
GONE_CHECKS = 4
GONE_CHECK_SECONDS = 0.4
READY_CHECK_SECONDS = 2.0
# Nothing reached the instance: another may take the message.
_NEVER_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
# The instance dropped the connection without an answer: it may have died handling it.
_DROPPED = (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientOSError)


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered with an error."""


class RasaInstance:
    """One Rasa server: where it listens and the query every call to it carries."""

    def __init__(self, url: str, token: str) -> None:
        self.url = URL(url.strip().rstrip("/"))
        self.host = self.url.host or "127.0.0.1"
        self.port = self.url.port or 80
        self.params = {"token": token} if token else {}

    def endpoint(self, path: str) -> URL:
        return self.url.with_path(self.url.path.rstrip("/") + path, encoded=True)


class RasaClient:
    """`base_url`: one Rasa, or several separated by commas. `token`: Rasa's `--auth-token`,
    sent as `?token=` on every call (RASA_AUTH_TOKEN when not given; empty sends none)."""

    def __init__(self, base_url: str, timeout_seconds: float, token: str | None = None) -> None:
        token = load_settings().rasa_auth_token if token is None else token
        self._instances = [RasaInstance(url, token) for url in base_url.split(",") if url.strip()]
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=timeout_seconds, sock_connect=timeout_seconds, sock_read=timeout_seconds
        )
        self._sessions = LoopSessions(self._timeout)

    def _in_turn(self, sender: str | None) -> list[RasaInstance]:
        """The instances in the order to try: the citizen's own first, then the others."""
        first = zlib.crc32(sender.encode()) % len(self._instances) if sender else 0
        return self._instances[first:] + self._instances[:first]

    async def _call(
        self,
        method: str,
        instance: RasaInstance,
        path: str,
        payload: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        timeout: aiohttp.ClientTimeout | None = None,
    ) -> Any:
        async with self._sessions.session().request(
            method,
            instance.endpoint(path),
            json=payload,
            params={**instance.params, **(params or {})},
            timeout=timeout or self._timeout,
        ) as response:
            response.raise_for_status()
            return await response.json(content_type=None)

    async def _post(self, path: str, payload: dict[str, Any], sender: str | None = None) -> Any:
        instances = self._in_turn(sender)
        for index, instance in enumerate(instances):
            try:
                return await self._call("POST", instance, path, payload)
            except _NEVER_SENT:
                continue  # never reached this instance: the next one may take the message
            except _DROPPED as error:
                others = instances[index + 1 :]
                if sender and others and await self._lost_with(instance, sender, payload, others[0]):
                    logger.warning("A Rasa instance died handling %s's message: sent to the next", sender)
                    continue
                raise RasaUnavailable(f"{path}: {type(error).__name__}: {error}") from error
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as error:
                raise RasaUnavailable(f"{path}: {type(error).__name__}: {error}") from error
        raise RasaUnavailable(f"{path}: no Rasa instance accepts connections")

    @staticmethod
    async def _gone(instance: RasaInstance) -> bool:
        """Nothing accepts connections at the instance's address, asked on new connections (a
        pooled one to a killed process fails at once whatever listens there now). A killed
        Rasa's orphaned workers may hold its socket until the stack reaps them, a second or
        so: asked a few times."""
        for attempt in range(GONE_CHECKS):
            try:
                _reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(instance.host, instance.port), 2.0
                )
            except ConnectionRefusedError:
                return True
            except (TimeoutError, OSError):
                return False
            writer.close()
            if attempt + 1 < GONE_CHECKS:
                await asyncio.sleep(GONE_CHECK_SECONDS)
        return False  # it still accepts connections: it may be handling the message

    async def _lost_with(
        self, dead: RasaInstance, sender: str, payload: dict[str, Any], other: RasaInstance
    ) -> bool:
        """True when the instance that dropped this message is gone and the conversation, as
        another instance reads it from the shared store, does not end with the message."""
        if not await self._gone(dead):
            logger.warning("%s's message not sent on: its Rasa instance still accepts connections", sender)
            return False
        try:
            tracker = await self._call(
                "GET",
                other,
                f"/conversations/{quote(sender, safe=':')}/tracker",
                params={"include_events": "NONE"},
            )
            latest = (tracker.get("latest_message") or {}).get("text")
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError, AttributeError) as error:
            logger.warning("%s's message not sent on: tracker unreadable (%s)", sender, type(error).__name__)
            return False
        if latest == payload.get("message"):
            logger.warning("%s's message not sent on: the conversation already ends with it", sender)
            return False
        return True

    async def send_message(self, sender: str, text: str) -> list[dict[str, Any]]:
        """The REST channel's webhook: the bot's messages for one user message."""
        return await self._post("/webhooks/rest/webhook", {"sender": sender, "message": text}, sender)

    async def parse(self, text: str) -> dict[str, Any]:
        return await self._post("/model/parse", {"text": text})

    async def is_ready(self) -> bool:
        """Ready means a model is loaded, not merely that the port answers: any instance will do."""
        quick = aiohttp.ClientTimeout(total=READY_CHECK_SECONDS)
        for instance in self._instances:
            try:
                body = await self._call("GET", instance, "/status", timeout=quick)
                if isinstance(body, dict) and bool(body.get("model_file")):
                    return True
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError):
                continue
        return False

    async def close(self) -> None:
        await self._sessions.close()
