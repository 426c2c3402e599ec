"""WeChat channel configuration, from its section of `common.settings`.

An empty WECHAT_TOKEN leaves the channel unconfigured: the gateway still starts and
/wechat answers 503, so a deployment without a WeChat account needs no dummy values.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, fields

from common.settings import WeChatSettings, load_settings

DEFAULT_API_BASE = WeChatSettings.api_base


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


def load_config(settings: WeChatSettings | None = None) -> WeChatConfig:
    """The channel's view of its settings section (read in `common.settings`)."""
    settings = settings or load_settings().wechat
    return WeChatConfig(**{field.name: getattr(settings, field.name) for field in fields(WeChatConfig)})
