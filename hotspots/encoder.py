"""The process's sentence encoder, shared with the knowledge base's retriever (never a second
copy: `shared_encoder` keys it by model and threads, as the retriever does), and a small cache
of ticket embeddings so a ticket is encoded once per process."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from knowledge_base.config import RetrieverConfig
from knowledge_base.encoders import Encoder

_CACHE_SIZE = 20_000
_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_lock = threading.Lock()


def process_encoder() -> Encoder:
    # The retriever module imports scikit-learn and the encoder: not on the action server's start
    from knowledge_base.retriever import shared_encoder

    config = RetrieverConfig.from_env()
    return shared_encoder(config.model, config.encoder_threads)


def embed(texts: list[str], encoder: Encoder | None = None) -> np.ndarray:
    """Unit rows for `texts`, cached by text (blocking: call from a worker thread)."""
    with _lock:
        missing = list(dict.fromkeys(text for text in texts if text not in _cache))
    if missing:
        vectors = (encoder or process_encoder()).encode(missing)
        with _lock:
            for text, vector in zip(missing, vectors, strict=True):
                _cache[text] = vector
                while len(_cache) > _CACHE_SIZE:
                    _cache.popitem(last=False)
    with _lock:
        if not texts:
            return np.zeros((0, 1), np.float32)
        return np.stack([_cache[text] for text in texts])
