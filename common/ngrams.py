"""Character n-grams, the one definition every lexical feature counts (the complaint router's
TF-IDF blocks and the knowledge base's BM25): Chinese has no spaces, so characters, not words,
are the unit that survives segmentation errors and typos."""

from __future__ import annotations


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """Every character n-gram of `text`, low <= n <= high, shortest first."""
    return [
        text[start : start + size] for size in range(low, high + 1) for start in range(len(text) - size + 1)
    ]
