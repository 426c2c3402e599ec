"""WeChat Official Account channel: mounted by the gateway at /wechat (see `mount_wechat`)."""

from integrations.wechat.router import mount_wechat

__all__ = ["mount_wechat"]
