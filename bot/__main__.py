"""`python -m bot` starts the gateway with uvicorn.

X-Forwarded-For / X-Forwarded-Proto are believed only from the proxies listed in
FORWARDED_ALLOW_IPS (comma-separated addresses or networks; `*` trusts everyone, only for a
gateway no one reaches but through its proxy). Empty, the default, trusts none: uvicorn would
otherwise trust 127.0.0.1, and anything on the machine could then pose as any client address
to the login lockout. With GATEWAY_WORKERS above 1 each worker process builds its own app
through `app_factory`, which installs the log masking there too.
"""

from __future__ import annotations

from typing import Any

import uvicorn
from fastapi import FastAPI

from bot.app import create_app
from common.masking import configure_logging
from common.settings import Settings, load_settings


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy-header options: off unless FORWARDED_ALLOW_IPS names the proxies."""
    allowed = [item.strip() for item in settings.forwarded_allow_ips.split(",") if item.strip()]
    if not allowed:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": allowed}


def app_factory() -> FastAPI:
    """One worker's app, logging masked (uvicorn's worker processes start afresh)."""
    settings = load_settings()
    configure_logging(settings.log_level)
    return create_app(settings)


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    options: dict[str, Any] = {
        "host": settings.gateway_host,
        "port": settings.gateway_port,
        "log_config": None,
        **proxy_options(settings),
    }
    workers = int(getattr(settings, "gateway_workers", 1) or 1)
    if workers > 1:
        uvicorn.run("bot.__main__:app_factory", factory=True, workers=workers, **options)
    else:
        uvicorn.run(create_app(settings), **options)


if __name__ == "__main__":
    main()
