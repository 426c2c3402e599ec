"""A local stand-in for WeChat's server API (api.weixin.qq.com) speaking its real protocol.

Issues access tokens, refuses unknown or revoked ones with 40001, records customer-service
messages, template and subscription messages and menus, and can answer the next calls with
chosen error codes. Template messages are checked as WeChat does: an unknown template id is
40037, a user who unfollowed 43004, one who refused subscription messages 43101; a customer
message to a user silent for over 48 hours is 45015. A subscription message (订阅通知,
`subscribe/bizsend`) needs one accept of its template by the user (`accept`), used by the
message, else 43101, and its `thing` values hold at most 20 characters (47003). Tests and the
load benchmark run it as a real HTTP server (point WECHAT_API_BASE at it).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request

THING_MAX_CHARS = 20


@dataclass
class FakeWeChatApi:
    app_id: str
    app_secret: str
    token_requests: int = 0
    send_calls: int = 0
    delivered: list[dict[str, Any]] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)
    # errcodes the next custom/send calls answer with, one per call, before behaving normally
    send_failures: list[int] = field(default_factory=list)
    # the account's approved templates (template/send and subscribe/bizsend check them)
    templates: set[str] = field(default_factory=set)
    template_messages: list[dict[str, Any]] = field(default_factory=list)
    template_failures: list[int] = field(default_factory=list)
    unfollowed: set[str] = field(default_factory=set)
    refusing: set[str] = field(default_factory=set)
    silent_48h: set[str] = field(default_factory=set)
    # accepted 订阅通知 per "openid template_id": each allows one subscribe/bizsend message
    accepted: dict[str, int] = field(default_factory=dict)
    subscription_messages: list[dict[str, Any]] = field(default_factory=list)
    _valid: set[str] = field(default_factory=set)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def revoke_tokens(self) -> None:
        """As if every issued token had expired."""
        self._valid.clear()

    def wait_for_deliveries(self, count: int, timeout_seconds: float = 30.0) -> list[dict[str, Any]]:
        """Blocks (from the test's thread) until `count` messages arrived or the timeout passed."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.delivered) >= count, timeout_seconds)
            return list(self.delivered)

    def templates_to(self, openid: str) -> list[dict[str, Any]]:
        return [item for item in self.template_messages if item.get("touser") == openid]

    def wait_for_templates(self, count: int, timeout_seconds: float = 30.0) -> list[dict[str, Any]]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.template_messages) >= count, timeout_seconds)
            return list(self.template_messages)

    def _template_error(self, message: dict[str, Any]) -> dict[str, Any] | None:
        if self.template_failures:
            return {"errcode": self.template_failures.pop(0), "errmsg": "simulated failure"}
        if message.get("template_id") not in self.templates:
            return {"errcode": 40037, "errmsg": "invalid template_id"}
        if message.get("touser") in self.unfollowed:
            return {"errcode": 43004, "errmsg": "require subscribe"}
        if message.get("touser") in self.refusing:
            return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        return None

    def accept(self, openid: str, template_id: str) -> None:
        """The user accepted one subscription message of the template (the pop-up's 允许)."""
        key = f"{openid} {template_id}"
        self.accepted[key] = self.accepted.get(key, 0) + 1

    def subscriptions_to(self, openid: str) -> list[dict[str, Any]]:
        return [item for item in self.subscription_messages if item.get("touser") == openid]

    def _subscription_error(self, message: dict[str, Any]) -> dict[str, Any] | None:
        error = self._template_error(message)
        if error:
            return error
        for key, value in (message.get("data") or {}).items():
            text = value.get("value") if isinstance(value, dict) else None
            if not isinstance(text, str) or (key.startswith("thing") and len(text) > THING_MAX_CHARS):
                return {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value invalid"}
        key = f"{message.get('touser')} {message.get('template_id')}"
        if self.accepted.get(key, 0) < 1:
            return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        self.accepted[key] -= 1
        return None

    def texts_to(self, openid: str) -> list[str]:
        return [item["text"]["content"] for item in self.delivered if item.get("touser") == openid]

    def _token_error(self, token: str | None) -> dict[str, Any] | None:
        if token not in self._valid:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        return None

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.get("/cgi-bin/token")
        async def token(grant_type: str = "", appid: str = "", secret: str = "") -> dict[str, Any]:
            self.token_requests += 1
            if grant_type != "client_credential":
                return {"errcode": 40002, "errmsg": "invalid grant_type"}
            if appid != self.app_id or secret != self.app_secret:
                return {"errcode": 40013, "errmsg": "invalid appid"}
            issued = f"fake-token-{secrets.token_hex(8)}-{int(time.time())}"
            self._valid.add(issued)
            return {"access_token": issued, "expires_in": 7200}

        @api.post("/cgi-bin/message/custom/send")
        async def custom_send(request: Request, access_token: str | None = None) -> dict[str, Any]:
            self.send_calls += 1
            if self.send_failures:
                errcode = self.send_failures.pop(0)
                return {"errcode": errcode, "errmsg": "simulated failure"}
            error = self._token_error(access_token)
            if error:
                return error
            message = json.loads(await request.body())
            if message.get("touser") in self.silent_48h:
                return {"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"}
            with self._changed:
                self.delivered.append(message)
                self._changed.notify_all()
            return {"errcode": 0, "errmsg": "ok"}

        async def template_message(request: Request, access_token: str | None) -> dict[str, Any]:
            error = self._token_error(access_token)
            if error:
                return error
            message = json.loads(await request.body())
            error = self._template_error(message)
            if error:
                return error
            with self._changed:
                self.template_messages.append(message)
                self._changed.notify_all()
            return {"errcode": 0, "errmsg": "ok", "msgid": len(self.template_messages)}

        @api.post("/cgi-bin/message/template/send")
        async def template_send(request: Request, access_token: str | None = None) -> dict[str, Any]:
            return await template_message(request, access_token)

        @api.post("/cgi-bin/message/subscribe/bizsend")
        async def subscribe_send(request: Request, access_token: str | None = None) -> dict[str, Any]:
            error = self._token_error(access_token)
            if error:
                return error
            message = json.loads(await request.body())
            error = self._subscription_error(message)
            if error:
                return error
            with self._changed:
                self.subscription_messages.append(message)
                self._changed.notify_all()
            return {"errcode": 0, "errmsg": "ok"}

        @api.post("/cgi-bin/menu/create")
        async def menu_create(request: Request, access_token: str | None = None) -> dict[str, Any]:
            error = self._token_error(access_token)
            if error:
                return error
            self.menus.append(json.loads(await request.body()))
            return {"errcode": 0, "errmsg": "ok"}

        return api
