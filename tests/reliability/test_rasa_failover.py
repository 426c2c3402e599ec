"""Which instance gets a citizen's message when the one it went to dropped it mid-way
(RASA_INSTANCES, bot/rasa_client.py): the next instance only when the dropping one is gone
and the shared tracker does not end with the message, so no message is handled twice. The
instances are stand-ins over real HTTP: one that drops a message's connection without an
answer (as a Rasa killed while handling it does), one that answers."""

from __future__ import annotations

import socket
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI

from bot.rasa_client import RasaClient, RasaUnavailable
from tests.servers import serve


def read_request(connection: socket.socket) -> bytes:
    """The whole request, as Rasa reads it before handling: closing with part of it unread
    would reset the connection (a ReadError in the client, seen in CI) instead of the clean
    close of a Rasa killed while handling the message."""
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = connection.recv(65536)
        if not chunk:
            return request
        request += chunk
    head, _, body = request.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@contextmanager
def dropping_instance(gone_after_drop: bool) -> Iterator[str]:
    """Answers GET / with 200; drops every POST without an answer. `gone_after_drop`: it stops
    listening right after the drop, as a killed process does (connections are then refused)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def run() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                request = read_request(connection)
                if request.startswith(b"GET "):
                    connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                    continue
            if gone_after_drop:
                listener.close()
                return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        listener.close()


def answering_instance(latest_text: str | None, heard: list[str]) -> FastAPI:
    app = FastAPI()

    @app.post("/webhooks/rest/webhook")
    async def answer(body: dict[str, Any]) -> list[dict[str, str]]:
        heard.append(body["message"])
        return [{"text": "已缴"}]

    @app.get("/conversations/{sender}/tracker")
    async def tracker(sender: str) -> dict[str, Any]:
        return {"sender_id": sender, "latest_message": {"text": latest_text} if latest_text else {}}

    return app


def sender_of_first_instance() -> str:
    return next(f"web:{n}" for n in range(100) if zlib.crc32(f"web:{n}".encode()) % 2 == 0)


async def say(dropping: str, answering: str, text: str) -> list[dict[str, Any]]:
    client = RasaClient(f"{dropping},{answering}", timeout_seconds=5, token="")
    try:
        return await client.send_message(sender_of_first_instance(), text)
    finally:
        await client.close()


async def test_a_message_dropped_by_an_instance_that_died_goes_to_the_next() -> None:
    heard: list[str] = []
    with dropping_instance(gone_after_drop=True) as dead, serve(answering_instance("查电费", heard)) as alive:
        assert await say(dead, alive, "0531880001") == [{"text": "已缴"}]
    assert heard == ["0531880001"]


async def test_a_message_dropped_by_an_instance_still_answering_is_not_sent_again() -> None:
    """It may still be handling the message: sending it again could handle it twice."""
    heard: list[str] = []
    with (
        dropping_instance(gone_after_drop=False) as alive_dropper,
        serve(answering_instance("查电费", heard)) as other,
        pytest.raises(RasaUnavailable, match="ServerDisconnected"),
    ):
        await say(alive_dropper, other, "0531880001")
    assert heard == []


async def test_a_message_the_conversation_already_ends_with_is_not_sent_again() -> None:
    """The dead instance may have stored it just before dying (or the citizen sent it before)."""
    heard: list[str] = []
    with (
        dropping_instance(gone_after_drop=True) as dead,
        serve(answering_instance("1", heard)) as alive,
        pytest.raises(RasaUnavailable),
    ):
        await say(dead, alive, "1")
    assert heard == []
