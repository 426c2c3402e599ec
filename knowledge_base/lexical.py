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
The counting is done here rather than by scikit-learn's CountVectorizer (same n-grams,
same counts): importing scikit-learn cost every process that searches the knowledge base
about 66 MB of memory (the gateway and the action server both do; issue 18's memory target).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from common.ngrams import char_ngrams

_WHITESPACE_RUNS = re.compile(r"\s\s+")


class CharNgramCounts:
    """Char n-gram counts over the vocabulary of the documents it was built from, as sklearn's
    `CountVectorizer(analyzer="char", lowercase=False)` counts them (runs of whitespace read as
    one space, n-grams unseen in the documents ignored)."""

    def __init__(self, documents: Sequence[str], ngram_range: tuple[int, int]) -> None:
        self._low, self._high = ngram_range
        grams = [self._grams(document) for document in documents]
        self.vocabulary = {
            gram: index for index, gram in enumerate(sorted({g for doc in grams for g in doc}))
        }
        self.documents = self._matrix(grams)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._matrix([self._grams(text) for text in texts])

    def _grams(self, text: str) -> list[str]:
        return char_ngrams(_WHITESPACE_RUNS.sub(" ", text), self._low, self._high)

    def _matrix(self, grams_per_text: list[list[str]]) -> sp.csr_matrix:
        indptr, indices, counts = [0], [], []
        for grams in grams_per_text:
            row = Counter(index for gram in grams if (index := self.vocabulary.get(gram)) is not None)
            for index, count in sorted(row.items()):
                indices.append(index)
                counts.append(count)
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.asarray(counts, np.float32), np.asarray(indices, np.int32), np.asarray(indptr, np.int64)),
            shape=(len(grams_per_text), len(self.vocabulary)),
        )


class CharBm25Index:
    """Okapi BM25 over char n-grams, each query's scores divided by its best possible score."""

    def __init__(
        self,
        documents: Sequence[str],
        ngram_range: tuple[int, int] = (1, 2),
        k1: float = 1.2,
        b: float = 0.5,
    ) -> None:
        self._ngrams = CharNgramCounts(documents, ngram_range)
        counts = self._ngrams.documents
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
        vectors = self._ngrams.transform(queries)
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
        counts = self._ngrams.transform(documents)
        weights = self._term_weights(counts, np.asarray(counts.sum(axis=1)).ravel())
        return (np.asarray(vectors.multiply(weights).sum(axis=1)).ravel() / best).astype(np.float32)
