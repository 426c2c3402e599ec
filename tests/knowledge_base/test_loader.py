"""The background loader: one build per process, bounded waits, failures remembered."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from knowledge_base.loader import BackgroundRetriever, RetrieverUnavailable


def test_the_build_runs_once_and_callers_wait_for_it() -> None:
    release = threading.Event()
    built: list[object] = []
    sentinel: Any = object()

    def build() -> Any:
        release.wait(timeout=60)
        built.append(sentinel)
        return sentinel

    loader = BackgroundRetriever(build)
    loader.start()
    loader.start()
    with pytest.raises(RetrieverUnavailable, match="still loading"):
        loader.get(timeout_seconds=0)
    release.set()
    assert loader.get(timeout_seconds=60) is sentinel
    assert loader.get(timeout_seconds=0) is sentinel
    assert built == [sentinel]


def test_a_failed_build_is_reported_not_retried() -> None:
    attempts: list[int] = []

    def build() -> Any:
        attempts.append(1)
        raise OSError("model directory is gone")

    loader = BackgroundRetriever(build)
    for _ in range(2):
        with pytest.raises(RetrieverUnavailable, match="failed"):
            loader.get(timeout_seconds=60)
    assert loader.failed
    assert attempts == [1]
