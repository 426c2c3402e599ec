"""FAQ retrieval: rank knowledge-base entries for a citizen's question and decide what to say.

Ranking (chosen by measurement on benchmarks/faq_scale.py's dev split and checked with
benchmarks/kb_eval.py): an entry's embedding score blends the query's cosine to the
centroid of the entry's phrasings (canonical question and alternatives) with its cosine to
the single closest phrasing; the centroid is a stable prototype of the topic, the closest
phrasing catches a wording that matches one alternative almost verbatim. A query-normalised
char-bigram BM25 score against all phrasings and keywords is blended in: it rewards the rare
exact terms ("港澳", "公积金") that decide between neighbouring topics, weighted by how rare
they are in the whole FAQ.

The decision thresholds are calibrated from the content at build time (calibration.py) and
cached with the embeddings.

Everything built in `__init__` is read-only afterwards, so one instance serves every
thread of the gateway or the action server.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from knowledge_base.calibration import Calibration, apply_pinned, calibrated_thresholds
from knowledge_base.catalog import Catalog, Entry, load_catalog
from knowledge_base.config import CalibrationConfig, DecisionThresholds, RetrieverConfig
from knowledge_base.embedding_cache import cached_embeddings
from knowledge_base.encoders import Encoder, encoder_fingerprint, load_encoder
from knowledge_base.lexical import CharBm25Index
from knowledge_base.text import normalize
from knowledge_base.unknown_items import UnknownItemCheck

logger = logging.getLogger(__name__)

DecisionKind = Literal["answer", "clarify", "unknown"]
MAX_QUERY_CHARS = 200
"""A pasted paragraph is cut here: the topic shows in its first sentences, and encoding cost grows with length."""
# Encoders are not all safe to call from several threads at once (HF fast tokenizers raise
# "Already borrowed"); one query encodes in a few ms, so serializing costs little.
_ENCODE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Hit:
    id: str
    question: str
    answer: str
    score: float
    kind: str


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    hits: tuple[Hit, ...]
    """answer: the one entry; clarify: the entries to offer, best first; unknown: none."""
    top_score: float


@dataclass(frozen=True)
class EntryScores:
    """Per-entry scores in catalog order; the parts are kept for calibration and diagnosis."""

    centroid: np.ndarray
    closest_phrasing: np.ndarray
    embedding: np.ndarray
    """centroid and closest phrasing blended by `centroid_weight`."""
    lexical: np.ndarray
    fused: np.ndarray


@dataclass(frozen=True)
class IndexInfo:
    entries: int
    texts: int
    encoder: str
    from_cache: bool
    cache_path: Path | None
    build_seconds: float
    calibration: Calibration | None = None
    """None when the thresholds are the configured ones (calibration off or failed)."""


def fuse_scores(embedding: np.ndarray, lexical: np.ndarray, lexical_weight: float) -> np.ndarray:
    """The ranking score; the benchmark replays it over cached parts with other weights."""
    return (1.0 - lexical_weight) * embedding + lexical_weight * lexical


class Retriever:
    def __init__(
        self,
        catalog: Catalog,
        encoder: Encoder,
        encoder_id: str,
        *,
        cache_dir: Path | None,
        centroid_weight: float = RetrieverConfig.centroid_weight,
        lexical_weight: float = RetrieverConfig.lexical_weight,
        thresholds: DecisionThresholds = DecisionThresholds(),  # noqa: B008  # frozen, safe to share
        calibration: CalibrationConfig | None = None,
    ) -> None:
        """`encoder_id` names the encoder's weights in the cache key (see `encoder_fingerprint`).

        With `calibration` (enabled), the thresholds are calibrated from the content (cached
        in `cache_dir`), except those named in `calibration.pinned`; without it they are
        `thresholds` as given."""
        started = time.perf_counter()
        self.catalog = catalog
        self.centroid_weight = centroid_weight
        self.lexical_weight = lexical_weight
        self.thresholds = thresholds
        self._encoder = encoder
        texts, self._first_text_of_entry = _indexed_phrasings(catalog)
        self._texts = texts
        self._phrasings, cache_path, from_cache = cached_embeddings(texts, encoder_id, cache_dir, self.embed)
        self._centroids = _unit_rows(np.add.reduceat(self._phrasings, self._first_text_of_entry, axis=0))
        self._lexical = CharBm25Index([self.lexical_document(index) for index in range(len(catalog))])
        self._unknown_items = UnknownItemCheck(catalog)
        self.index_info = IndexInfo(len(catalog), len(texts), encoder_id, from_cache, cache_path, 0.0)
        calibrated = None
        if calibration is not None and calibration.enabled and len(catalog) > 1:
            try:
                calibrated = calibrated_thresholds(self, calibration, cache_dir)
            except (ValueError, MemoryError) as error:
                # Odd content must not stop the assistant: the configured thresholds still work.
                logger.warning(
                    "knowledge base: calibration failed, using the configured thresholds: %s", error
                )
        if calibrated is not None:
            self.thresholds = apply_pinned(calibrated.thresholds, thresholds, calibration.pinned)
        self.index_info = IndexInfo(
            entries=len(catalog),
            texts=len(texts),
            encoder=encoder_id,
            from_cache=from_cache,
            cache_path=cache_path,
            build_seconds=time.perf_counter() - started,
            calibration=calibrated,
        )
        logger.info("knowledge base index ready: %s; thresholds %s", self.index_info, self.thresholds)

    @classmethod
    def from_config(cls, config: RetrieverConfig | None = None, catalog: Catalog | None = None) -> Retriever:
        config = config or RetrieverConfig.from_env()
        return cls(
            catalog or load_catalog(config.content_dir),
            shared_encoder(config.model, config.encoder_threads),
            encoder_fingerprint(config.model),
            cache_dir=config.cache_dir,
            centroid_weight=config.centroid_weight,
            lexical_weight=config.lexical_weight,
            thresholds=config.thresholds,
            calibration=config.calibration,
        )

    def lexical_document(self, index: int, without: int | None = None) -> str:
        """What the lexical score matches for entry `index`: its phrasings and keywords;
        `without` (a phrasing's position in the index) leaves one out, for calibration."""
        entry = self.catalog.entries[index]
        start = int(self._first_text_of_entry[index])
        phrasings = [
            text
            for offset, text in enumerate(self._texts[start : start + len(entry.phrasings)])
            if start + offset != without
        ]
        return "\n".join([*phrasings, *(normalize(keyword) for keyword in entry.keywords)])

    def entry_scores(self, query: str) -> EntryScores:
        text = normalize(query)[:MAX_QUERY_CHARS]
        if not text:
            zeros = np.zeros(len(self.catalog), dtype=np.float32)
            return EntryScores(zeros, zeros, zeros, zeros, zeros)
        query = self.embed([text])[0]
        centroid = self._centroids @ query
        closest = np.maximum.reduceat(self._phrasings @ query, self._first_text_of_entry)
        embedding = self.centroid_weight * centroid + (1.0 - self.centroid_weight) * closest
        lexical = self._lexical.scores(text).astype(np.float32)
        return EntryScores(centroid, closest, embedding, lexical, self.fuse(embedding, lexical))

    def fuse(self, embedding: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        return fuse_scores(embedding, lexical, self.lexical_weight)

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The k best entries, best first, whatever their score (the agent console shows them all)."""
        fused = self.entry_scores(query).fused
        return [self._hit(index, fused[index]) for index in top_indices(fused, k)]

    def decide(self, query: str) -> Decision:
        """answer / clarify / unknown; a question naming a service item the content never
        mentions ("无人机登记备案") is unknown whatever it scores (see unknown_items.py)."""
        fused = self.entry_scores(query).fused
        top_score = float(fused.max()) if len(fused) else 0.0
        if self.unknown_item(query) is not None:
            return Decision("unknown", (), top_score)
        kind, chosen = decide_from_scores(fused, self.thresholds)
        return Decision(kind, tuple(self._hit(index, fused[index]) for index in chosen), top_score)

    def unknown_item(self, query: str) -> str | None:
        """The modifier of a service item the content does not know ("人机" in "无人机登记备案")."""
        return self._unknown_items.unknown_item(query)

    def entry(self, entry_id: str) -> Entry:
        return self.catalog.get(entry_id)

    def _hit(self, index: int, score: float) -> Hit:
        entry = self.catalog.entries[index]
        return Hit(entry.id, entry.question, entry.answer, round(float(score), 4), entry.kind)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings from the retriever's encoder (the benchmark's baselines reuse it)."""
        with _ENCODE_LOCK:
            embeddings = self._encoder.encode(texts)
        return np.ascontiguousarray(embeddings, dtype=np.float32)


def decide_from_scores(scores: np.ndarray, thresholds: DecisionThresholds) -> tuple[DecisionKind, list[int]]:
    """The decision rule on its own, so calibration can replay it over cached scores.

    A direct answer needs both a high score and a lead over the runner-up: the wrong answers
    seen in evaluation were mostly near-ties between sibling topics (lost ID card vs lost
    social-security card), which a margin catches and a score floor does not.
    """
    best = top_indices(scores, max(thresholds.clarify_max_options, 2))
    if not best or scores[best[0]] < thresholds.unknown_score:
        return "unknown", []
    top = float(scores[best[0]])
    runner_up = float(scores[best[1]]) if len(best) > 1 else 0.0
    if top >= thresholds.answer_score and top - runner_up >= thresholds.answer_margin:
        return "answer", [best[0]]
    floor = max(top - thresholds.clarify_window, thresholds.unknown_score)
    options = [index for index in best[: thresholds.clarify_max_options] if scores[index] >= floor]
    return "clarify", options


def top_indices(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the k highest scores, best first; argpartition keeps this linear for big indexes."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    candidates = np.argpartition(-scores, k - 1)[:k]
    return [int(index) for index in candidates[np.argsort(-scores[candidates], kind="stable")]]


_ENCODERS_LOCK = threading.Lock()
_RETRIEVER_LOCK = threading.Lock()
_shared_encoders: dict[tuple[str, int], Encoder] = {}
_shared_retriever: Retriever | None = None


def shared_encoder(model: str, threads: int) -> Encoder:
    """One encoder per process and model: loading costs seconds and ~150 MB."""
    with _ENCODERS_LOCK:
        key = (model, threads)
        if key not in _shared_encoders:
            _shared_encoders[key] = load_encoder(model, threads)
        return _shared_encoders[key]


def get_retriever() -> Retriever:
    """The process-wide retriever built from the environment; call it at startup to warm it.

    Concurrent first callers wait for one build instead of each building their own.
    """
    global _shared_retriever
    with _RETRIEVER_LOCK:
        if _shared_retriever is None:
            _shared_retriever = Retriever.from_config()
        return _shared_retriever


def _indexed_phrasings(catalog: Catalog) -> tuple[list[str], np.ndarray]:
    """All phrasings, entry after entry, and where each entry's run starts (for reduceat)."""
    texts: list[str] = []
    starts: list[int] = []
    for entry in catalog:
        starts.append(len(texts))
        texts.extend(normalize(phrasing) for phrasing in entry.phrasings)
    return texts, np.asarray(starts, dtype=np.intp)


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
