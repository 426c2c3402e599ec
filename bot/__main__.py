"""`python -m bot` starts the gateway with uvicorn."""

import uvicorn

from bot.app import create_app
from common.masking import configure_logging
from common.settings import load_settings

settings = load_settings()
configure_logging(settings.log_level)
uvicorn.run(create_app(settings), host=settings.gateway_host, port=settings.gateway_port, log_config=None)
