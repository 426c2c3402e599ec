"""Lexical scores: the half of the ranking that rewards rare exact terms.

Characters rather than jieba words, because segmentation errors on short colloquial
questions ("身份证掉了咋补") broke word-based BM25 (measured: BM25 over jieba ranked far
below char n-grams on the held-out questions), while a shared rare n-gram such as "港澳"
or "公积金" is strong evidence that the embedding alone underweights.

`CharBm25Index` is what the retriever blends in (chosen on the large-FAQ benchmark's dev
split, benchmarks/faq_scale.py): BM25 over char 1-2-grams weights a term by its rarity in
the whole FAQ, which a per-document TF-IDF cosine dilutes as entries grow long, and its
score is divided by the most the query could score (every n-gram matched), so it lies in
[0, 1] whatever the query's length and can share thresholds with the cosines.
`CharNgramIndex` (char 1-3-gram TF-IDF cosine) stays as the benchmarks' baseline.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer


class CharNgramIndex:
    """Cosine similarity between a query and each document over char 1-3-gram TF-IDF."""

    def __init__(self, documents: Sequence[str], ngram_range: tuple[int, int] = (1, 3)) -> None:
        self._vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=ngram_range, sublinear_tf=True, lowercase=False
        )
        self._matrix = self._vectorizer.fit_transform(documents).T.tocsr()

    def scores(self, query: str) -> np.ndarray:
        """One cosine per document (rows are L2-normalized by the vectorizer)."""
        query_vector = self._vectorizer.transform([query])
        return np.asarray((query_vector @ self._matrix).todense()).ravel()


class CharBm25Index:
    """Okapi BM25 over char n-grams, each query's scores divided by its best possible score."""

    def __init__(
        self,
        documents: Sequence[str],
        ngram_range: tuple[int, int] = (1, 2),
        k1: float = 1.2,
        b: float = 0.5,
    ) -> None:
        self._vectorizer = CountVectorizer(analyzer="char", ngram_range=ngram_range, lowercase=False)
        counts = self._vectorizer.fit_transform(documents).astype(np.float32).tocsr()
        self._k1, self._b = k1, b
        document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        total = counts.shape[0]
        self._idf = np.log1p((total - document_frequency + 0.5) / (document_frequency + 0.5)).astype(
            np.float32
        )
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        self._average_length = float(lengths.mean()) if len(lengths) else 1.0
        self._weights = self._term_weights(counts, lengths).T.tocsr()  # (terms, documents)

    def _term_weights(self, counts: sp.csr_matrix, lengths: np.ndarray) -> sp.csr_matrix:
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        norm = self._k1 * (1.0 - self._b + self._b * lengths[rows] / max(self._average_length, 1e-9))
        data = counts.data * (self._k1 + 1.0) / (counts.data + norm) * self._idf[counts.indices]
        return sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)

    def _query(self, queries: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        """Binary query vectors (a repeated n-gram in a short question is not extra evidence)
        and the most each query can score, the sum of its n-grams' saturated weights."""
        vectors = self._vectorizer.transform(queries).tocsr()
        vectors.data[:] = 1.0
        best = np.asarray(vectors @ (self._idf * (self._k1 + 1.0))).ravel()
        return vectors, np.maximum(best, 1e-9)

    def scores(self, query: str) -> np.ndarray:
        return self.score_matrix([query])[0]

    def score_matrix(self, queries: Sequence[str]) -> np.ndarray:
        """(queries, documents) scores in [0, 1]."""
        vectors, best = self._query(queries)
        return (np.asarray((vectors @ self._weights).todense()) / best[:, None]).astype(np.float32)

    def score_against(self, queries: Sequence[str], documents: Sequence[str]) -> np.ndarray:
        """Each query against its own ad-hoc document, with the index's IDF and average length:
        calibration scores a held-out phrasing against its entry's remaining phrasings."""
        vectors, best = self._query(queries)
        counts = self._vectorizer.transform(documents).astype(np.float32).tocsr()
        weights = self._term_weights(counts, np.asarray(counts.sum(axis=1)).ravel())
        return (np.asarray(vectors.multiply(weights).sum(axis=1)).ravel() / best).astype(np.float32)
