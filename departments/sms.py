"""Client of the SMS gateway (`/sms/v1`), shaped like a real provider's send API.

A message is a template id and its parameters, never free text, so nobody can make the city
send arbitrary SMS. Each request is signed: `X-Sms-Key` names the caller, `X-Sms-Timestamp` is
the Unix time, and `X-Sms-Signature` is hex HMAC-SHA256 with SMS_API_SECRET over
"<timestamp>\\n<body>". The gateway refuses a bad signature or a stale timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from common.settings import load_settings
from departments.base import ClientLimits, DepartmentClient

KEY_HEADER = "X-Sms-Key"
TIMESTAMP_HEADER = "X-Sms-Timestamp"
SIGNATURE_HEADER = "X-Sms-Signature"


@dataclass(frozen=True)
class SmsCredentials:
    api_key: str = ""
    api_secret: str = field(default="", repr=False)
    template_id: str = "SMS_VERIFY_CODE"

    @classmethod
    def from_env(cls) -> SmsCredentials:
        sms = load_settings().sms
        return cls(api_key=sms.api_key, api_secret=sms.api_secret, template_id=sms.template_id)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """What the gateway recomputes: HMAC-SHA256 of "<timestamp>\\n<body>" with the secret."""
    message = timestamp.encode("ascii") + b"\n" + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SentMessage:
    message_id: str


class SmsClient(DepartmentClient):
    department_name = "短信平台"

    def __init__(
        self,
        base_url: str,
        limits: ClientLimits | None = None,
        department_name: str | None = None,
        credentials: SmsCredentials | None = None,
    ) -> None:
        super().__init__(base_url, limits, department_name)
        self._credentials = credentials

    @property
    def credentials(self) -> SmsCredentials:
        if self._credentials is None:
            self._credentials = SmsCredentials.from_env()
        return self._credentials

    async def send(self, phone: str, params: dict[str, str], template_id: str | None = None) -> SentMessage:
        """Sends one templated SMS; never retried (a retry could send a second code)."""
        credentials = self.credentials
        payload: dict[str, Any] = {
            "phone": phone,
            "template_id": template_id or credentials.template_id,
            "params": params,
        }
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp}
        if credentials.api_key:
            headers[KEY_HEADER] = credentials.api_key
        if credentials.api_secret:
            headers[SIGNATURE_HEADER] = signature(credentials.api_secret, timestamp, body)
        record = await self._request("POST", "/sms/v1/messages", attempts=1, data=body, headers=headers)
        return SentMessage(message_id=str(record.get("message_id", "")))
