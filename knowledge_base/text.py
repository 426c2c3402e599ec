"""Text normalization shared by indexing and querying, so both sides see the same characters."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = re.compile(r"^[\s\W_]+|[\s\W_]+$")


def normalize(text: str) -> str:
    """NFKC folds full-width digits and letters (ＡＢＣ１２３) typed on phone keyboards; edge
    punctuation ("？", "。。", "!!") carries no meaning but shifts both lexical and embedding scores."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _EDGE_PUNCTUATION.sub("", _SPACES.sub(" ", folded))
