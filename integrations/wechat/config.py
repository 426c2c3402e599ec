"""WeChat channel configuration, read once from the environment.

An empty WECHAT_TOKEN leaves the channel unconfigured: the gateway still starts and
/wechat answers 503, so a deployment without a WeChat account needs no dummy values.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

DEFAULT_API_BASE = "https://api.weixin.qq.com"


@dataclass(frozen=True)
class WeChatConfig:
    token: str = ""
    app_id: str = ""
    app_secret: str = ""
    encoding_aes_key: str = ""
    api_base: str = DEFAULT_API_BASE
    reply_deadline_seconds: float = 4.0
    timestamp_window_seconds: float = 300.0
    max_body_bytes: int = 64 * 1024
    api_timeout_seconds: float = 5.0

    @property
    def configured(self) -> bool:
        return bool(self.token)

    @property
    def safe_mode(self) -> bool:
        """Safe (AES) mode is possible only with a key; without one only plain mode is served."""
        return bool(self.encoding_aes_key)

    def problem(self) -> str | None:
        """Why this configuration cannot serve WeChat, or None; checked once at mount time."""
        if not self.token:
            return "WECHAT_TOKEN is not set"
        if self.encoding_aes_key:
            if len(self.encoding_aes_key) != 43:
                return "WECHAT_ENCODING_AES_KEY must be 43 characters"
            try:
                key = base64.b64decode(self.encoding_aes_key + "=", validate=True)
            except binascii.Error:
                return "WECHAT_ENCODING_AES_KEY is not valid base64"
            if len(key) != 32:
                return "WECHAT_ENCODING_AES_KEY must decode to 32 bytes"
            if not self.app_id:
                return "WECHAT_APP_ID is required in safe mode"
        return None


def load_config() -> WeChatConfig:
    env = os.environ.get
    return WeChatConfig(
        token=env("WECHAT_TOKEN", "").strip(),
        app_id=env("WECHAT_APP_ID", "").strip(),
        app_secret=env("WECHAT_APP_SECRET", "").strip(),
        encoding_aes_key=env("WECHAT_ENCODING_AES_KEY", "").strip(),
        api_base=env("WECHAT_API_BASE", DEFAULT_API_BASE).strip().rstrip("/"),
        reply_deadline_seconds=float(env("WECHAT_REPLY_DEADLINE_SECONDS", "4.0")),
        timestamp_window_seconds=float(env("WECHAT_TIMESTAMP_WINDOW_SECONDS", "300")),
        max_body_bytes=int(env("WECHAT_MAX_BODY_BYTES", str(64 * 1024))),
        api_timeout_seconds=float(env("WECHAT_API_TIMEOUT_SECONDS", "5.0")),
    )
