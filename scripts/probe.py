"""The stack's one HTTP probe: is this URL answering? Standard library only, because every
place that asks runs it: the supervisord watchdogs (scripts/watchdog.py, a small process per
program), scripts/stack.py waiting for health, and the Rasa image, which imports stack.py
with Rasa's own packages only."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable


def answers(url: str, timeout_seconds: float, check: Callable[[bytes], bool] = lambda _body: True) -> bool:
    """A 200 within the timeout whose body passes `check` (Rasa's health asks that a model is
    loaded). Refused, timed out, an error status or a malformed URL is False."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_seconds) as response:
            return response.status == 200 and check(response.read())
    except (OSError, ValueError):  # URLError and HTTPError are OSErrors
        return False
