"""Embeddings of the indexed phrasings, kept on disk between processes.

The key hashes the encoder's fingerprint and the exact texts that get embedded, so the
cache follows the content that matters: editing an answer keeps it, editing a phrasing or
swapping the model rebuilds it. Files are written to a temporary name and renamed, because
the gateway and the action server may start together and race to fill the same cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

Encode = Callable[[list[str]], np.ndarray]


def cache_key(encoder_id: str, texts: Sequence[str]) -> str:
    payload = json.dumps({"encoder": encoder_id, "texts": list(texts)}, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def cached_embeddings(
    texts: Sequence[str], encoder_id: str, cache_dir: Path | None, encode: Encode
) -> tuple[np.ndarray, Path | None, bool]:
    """(embeddings, cache file, whether it came from the cache); `cache_dir=None` disables caching."""
    if cache_dir is None:
        return encode(list(texts)), None, False
    path = cache_dir / f"embeddings-{cache_key(encoder_id, texts)}.npy"
    try:
        embeddings = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        embeddings = None
    if embeddings is not None and embeddings.shape[0] == len(texts):
        return embeddings, path, True
    embeddings = encode(list(texts))
    try:
        _write_atomically(path, embeddings)
    except OSError as error:
        # A read-only home must not take the assistant down; it only costs a re-encode next start.
        logger.warning("knowledge base: cannot write the embedding cache %s: %s", path, error)
        return embeddings, None, False
    return embeddings, path, False


def _write_atomically(path: Path, embeddings: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npy.tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.save(stream, embeddings, allow_pickle=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
