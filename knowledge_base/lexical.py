"""Character n-gram TF-IDF: the lexical half of the ranking.

Characters rather than jieba words, because segmentation errors on short colloquial
questions ("身份证掉了咋补") broke word-based BM25 (measured: BM25 over jieba ranked far
below char n-grams on the held-out questions), while a shared rare n-gram such as "港澳"
or "公积金" is strong evidence that the embedding alone underweights.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer


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
