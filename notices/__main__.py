"""`python -m notices`: the supervised sender process (`make run` starts it as "notices");
`python -m notices worker`: one more sender on the Redis queue (REDIS_URL), no scheduler.

The notices themselves are durable in the outbox, so a stopped process loses nothing: on
SIGTERM it finishes the round under way and exits; a killed one leaves its claims to expire
(`notices.outbox.LEASE_SECONDS`) and the next start sends them. Jobs: `notices.jobs`.
"""

from __future__ import annotations

import asyncio
import sys

from common.masking import configure_logging
from common.settings import load_settings
from notices.jobs import run


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    asyncio.run(run(settings, worker_only=sys.argv[1:] == ["worker"]))


if __name__ == "__main__":
    main()
