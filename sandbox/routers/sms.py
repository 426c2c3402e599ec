"""The SMS gateway, served as a department: what a real provider's send API looks like.

- `POST /sms/v1/messages` `{"phone", "template_id", "params"}` renders the template and keeps the
  message in an outbox (nothing leaves the machine). When the sandbox has SMS_API_SECRET the
  request must be signed (`X-Sms-Timestamp`, `X-Sms-Signature`: hex HMAC-SHA256 over
  "<timestamp>\\n<body>", `departments.sms`), and with SMS_API_KEY it must name that key
  (`X-Sms-Key`); 401 otherwise, 400 for an unknown template or missing parameter.
- `GET /sms/v1/messages?phone=P` -> `{"messages": [{"message_id", "text", "sent_at"}]}`, newest
  first: what a demo phone has received. Served only while the test endpoints are enabled
  (SANDBOX_FAULTS_ENABLED=true), since the outbox holds live one-time codes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from pydantic import BaseModel, Field, ValidationError

from common.settings import Settings

TEMPLATES = {
    "SMS_VERIFY_CODE": "【示例市市民服务】您的验证码是{code}，{minutes}分钟内有效。如非本人操作请忽略。",
}
TIMESTAMP_WINDOW_SECONDS = 300
OUTBOX_SIZE = 1000
_PHONE = re.compile(r"^1[3-9]\d{9}$")

router = APIRouter(prefix="/sms/v1", tags=["sms"])
test_router = APIRouter(prefix="/sms/v1", tags=["sms"])


class MessageIn(BaseModel):
    phone: str = Field(min_length=11, max_length=11)
    template_id: str = Field(min_length=1, max_length=64)
    params: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class Sent:
    message_id: str
    phone: str
    text: str
    sent_at: str


class Outbox:
    def __init__(self) -> None:
        self._messages: deque[Sent] = deque(maxlen=OUTBOX_SIZE)
        self._lock = threading.Lock()

    def add(self, message: Sent) -> None:
        with self._lock:
            self._messages.append(message)

    def of(self, phone: str) -> list[Sent]:
        with self._lock:
            return [message for message in reversed(self._messages) if message.phone == phone]


def _refuse(status: int, code: str, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail={"code": code, "message": message})


def _check_signature(request: Request, body: bytes, settings: Settings) -> None:
    secret, key = settings.sms.api_secret, settings.sms.api_key
    if key and not hmac.compare_digest(request.headers.get("x-sms-key", "").encode(), key.encode()):
        raise _refuse(401, "bad_key", "短信接口密钥不对")
    if not secret:
        return
    timestamp = request.headers.get("x-sms-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TIMESTAMP_WINDOW_SECONDS:
        raise _refuse(401, "stale_request", "请求时间戳无效")
    expected = hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("x-sms-signature", "").encode(), expected.encode()):
        raise _refuse(401, "bad_signature", "短信请求签名不对")


@router.post("/messages", status_code=201)
async def send_message(request: Request) -> dict[str, Any]:
    body = await request.body()
    _check_signature(request, body, request.app.state.sms_settings)
    try:
        message = MessageIn.model_validate_json(body)
    except ValidationError:
        raise _refuse(400, "invalid_request", "短信请求格式不对") from None
    if not _PHONE.match(message.phone):
        raise _refuse(400, "invalid_phone", "手机号格式不对")
    template = TEMPLATES.get(message.template_id)
    if template is None:
        raise _refuse(400, "unknown_template", "短信模板不存在")
    try:
        text = template.format(**message.params)
    except KeyError:
        raise _refuse(400, "missing_param", "短信模板参数不全") from None
    sent = Sent(
        message_id=uuid.uuid4().hex,
        phone=message.phone,
        text=text,
        sent_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    request.app.state.sms_outbox.add(sent)
    return {"message_id": sent.message_id, "status": "sent"}


@test_router.get("/messages")
def received(request: Request, phone: Annotated[str, Query(min_length=11, max_length=20)]) -> dict[str, Any]:
    return {
        "messages": [
            {"message_id": m.message_id, "text": m.text, "sent_at": m.sent_at}
            for m in request.app.state.sms_outbox.of(phone)
        ]
    }


def install(app: FastAPI, settings: Settings) -> None:
    app.state.sms_outbox = Outbox()
    app.state.sms_settings = settings
    app.include_router(router)
    if settings.sandbox_faults_enabled:
        app.include_router(test_router)
