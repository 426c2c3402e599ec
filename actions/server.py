"""`python -m actions.server`: rasa-sdk's action server with its shared secret checked and its
logs masked. Takes rasa-sdk's own arguments (`-p PORT --actions actions ...`).

Rasa sends the action endpoint's `token` (endpoints.yml, `action_endpoint.token`) as the query
parameter `?token=`, but rasa-sdk never checks it: anything that reaches the port could run any
action for any conversation (look up a citizen's records, file complaints in their name). So
this entry builds rasa-sdk's Sanic app (`rasa_sdk.endpoint.create_app`) and adds a request
middleware that answers 401 JSON to every call but `/health` without ACTION_SERVER_TOKEN, given
as `?token=` (what Rasa sends) or `Authorization: Bearer`. An empty ACTION_SERVER_TOKEN checks
nothing (a warning says so at start), for a laptop where everything listens on loopback.

It also installs the personal-data masking rasa-sdk's own entry never does: the action server
logs every department call (httpx: URLs with `id_number=`, `phone=`), and Sanic's and rasa-sdk's
loggers are masked like the gateway's.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import types
from urllib.parse import urlparse

from rasa_sdk import utils as sdk_utils
from rasa_sdk.cli.arguments import add_endpoint_arguments
from rasa_sdk.endpoint import create_app as create_sdk_app
from rasa_sdk.endpoint import create_ssl_context
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from common.masking import configure_logging, install_masking
from common.settings import Settings, load_settings
from knowledge_base.config import ServiceConfig
from knowledge_base.loader import RetrieverUnavailable, shared_retriever

logger = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})
UNAUTHORIZED = {"error": "unauthorized", "message": "缺少或错误的动作服务器令牌。"}
# How long the main process waits for the knowledge base before forking several workers.
PRELOAD_TIMEOUT_SECONDS = 300.0
# Sanic's loggers stop propagating when rasa-sdk configures them; here they reach the masked
# root handlers, at WARNING unless LOG_LEVEL asks for DEBUG.
SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access", "sanic.server")


def provided_token(request: Request) -> str:
    """`?token=` (Rasa's way) or an `Authorization: Bearer` header."""
    query = request.args.get("token")
    if query:
        return str(query)
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def token_matches(provided: str, expected: str) -> bool:
    return bool(provided) and hmac.compare_digest(provided.encode("utf-8"), expected.encode("utf-8"))


def require_token(app: Sanic, token: str) -> None:
    """Every route but /health answers 401 JSON without the token; nothing is checked when it is
    empty."""
    if not token:
        logger.warning("ACTION_SERVER_TOKEN is empty: the action server accepts every caller")
        return

    @app.middleware("request")
    async def check_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or token_matches(provided_token(request), token):
            return None
        logger.warning(
            "action server call refused without a valid token: %s %s", request.method, request.path
        )
        return response.json(UNAUTHORIZED, status=401)


def create_app(
    actions: str | types.ModuleType = "actions",
    token: str | None = None,
    cors_origins: str | list[str] | None = None,
    auto_reload: bool = False,
) -> Sanic:
    """rasa-sdk's app with the token check; `token` defaults to ACTION_SERVER_TOKEN. No CORS
    unless asked: only Rasa calls this server, never a browser."""
    app = create_sdk_app(actions, cors_origins=cors_origins or "", auto_reload=auto_reload)
    require_token(app, load_settings().action_server_token if token is None else token)
    return app


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m actions.server", description="starts the action server (rasa-sdk)"
    )
    add_endpoint_arguments(parser)
    parser.set_defaults(port=None, actions="actions")
    return parser


def _workers(settings: Settings) -> int:
    """ACTION_SERVER_WORKERS when the settings have it, else rasa-sdk's ACTION_SERVER_SANIC_WORKERS."""
    configured = int(getattr(settings, "action_server_workers", 1) or 1)
    return configured if configured > 1 else sdk_utils.number_of_sanic_workers()


def load_before_fork(workers: int) -> None:
    """Sanic forks its workers from this process, and a thread does not survive a fork: the
    knowledge base's background load, started when the actions were registered, would never
    finish in a worker (every free question "still loading"), and a lock it held would stay
    held. With several workers the main process finishes the load first; the workers then
    share the encoder's pages instead of each holding a copy."""
    if workers < 2 or not ServiceConfig.from_env().preload:
        return
    try:
        shared_retriever().get(PRELOAD_TIMEOUT_SECONDS)
    except RetrieverUnavailable as error:  # the workers answer "unavailable" as one process would
        logger.error("knowledge base not ready before starting the workers: %s", error)


def configure_masked_logging(level: str) -> None:
    configure_logging(level)
    library_level = logging.DEBUG if level == "DEBUG" else logging.WARNING
    for name in SANIC_LOGGERS:
        sanic_logger = logging.getLogger(name)
        sanic_logger.propagate = True
        sanic_logger.setLevel(library_level)
    install_masking()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = load_settings()
    configure_masked_logging(settings.log_level)
    configured = urlparse(settings.action_server_url)
    host = configured.hostname or "127.0.0.1"
    port = args.port or configured.port or 5055
    app = create_app(args.actions, settings.action_server_token, args.cors, args.auto_reload)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    logger.info(
        "action server on %s:%s (token %s)", host, port, "required" if settings.action_server_token else "off"
    )
    workers = _workers(settings)
    load_before_fork(workers)
    app.run(host, port, ssl=ssl_context, workers=workers, access_log=False)


if __name__ == "__main__":
    main()
