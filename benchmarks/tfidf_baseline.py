"""The FAQ benchmarks' baseline: a char 1-3-gram TF-IDF cosine, what a plain retriever does.

scikit-learn is imported here, in the benchmarks only: the product's processes do without it
(knowledge_base/lexical.py counts its own n-grams).
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
