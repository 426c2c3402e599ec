"""The process-wide retriever, built once in a background thread.

Building it loads the encoder and the embeddings (seconds of CPU); doing that on the
gateway's startup path would delay every other route, and a missing or broken model must
not stop the gateway from serving chat. So the build runs in a daemon thread, callers wait
a bounded time for it, and a failed build is remembered and reported as "unavailable"
instead of being retried on every request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge_base.retriever import Retriever

logger = logging.getLogger(__name__)


class RetrieverUnavailable(RuntimeError):
    """The retriever is still loading after the wait, or failed to load (see the log)."""


class BackgroundRetriever:
    """Starts the build at most once; `get` waits for it and returns the retriever."""

    def __init__(self, build: Callable[[], Retriever] | None = None) -> None:
        """`build` defaults to the retriever configured by the environment."""
        self._build_retriever = build or _configured_retriever
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._retriever: Retriever | None = None
        self._failed = False

    def start(self) -> None:
        """Begin the build if nobody has; returns at once."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._build, name="kb-retriever-load", daemon=True)
                self._thread.start()

    def get(self, timeout_seconds: float) -> Retriever:
        """The retriever, waiting up to `timeout_seconds` for a build in progress (blocking:
        call it from a worker thread in async code)."""
        self.start()
        if not self._ready.wait(timeout_seconds):
            raise RetrieverUnavailable("the knowledge base is still loading")
        if self._retriever is None:
            raise RetrieverUnavailable("the knowledge base failed to load")
        return self._retriever

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def failed(self) -> bool:
        return self._failed

    def _build(self) -> None:
        try:
            self._retriever = self._build_retriever()
        except Exception:
            # Any failure (missing model, bad content, no memory) leaves the rest of the
            # process working; the traceback goes to the log, never to a citizen.
            logger.exception("knowledge base: the retriever could not be built")
            self._failed = True
        finally:
            self._ready.set()


def _configured_retriever() -> Retriever:
    from knowledge_base.retriever import get_retriever  # heavy: the encoder

    return get_retriever()


_shared = BackgroundRetriever()


def shared_retriever() -> BackgroundRetriever:
    """The one background loader of this process, shared by every route that searches."""
    return _shared
