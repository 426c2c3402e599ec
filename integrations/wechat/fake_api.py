"""A local stand-in for WeChat's server API (api.weixin.qq.com) speaking its real protocol.

Issues access tokens, refuses unknown or revoked ones with 40001, records customer-service
messages and menus, and can answer the next calls with chosen error codes. Tests and the
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
            with self._changed:
                self.delivered.append(message)
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
