"""Text normalization shared by training and routing.

The same function must run at training and at routing time, so it lives here and the model
file records its version. Kept local (not common/text_normalization.py) on purpose: a change
there must not silently shift the router's features without a retrain.
"""

from __future__ import annotations

import re
import unicodedata

NORMALIZATION_VERSION = 1

_DIGITS = re.compile(r"\d+")
_LATIN = re.compile(r"[a-z]+")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation become ASCII), lower case, every run
    of digits becomes one "0" and Latin words one "a".

    Phone numbers, house numbers, dates and amounts say nothing about the category but would
    otherwise spread over thousands of rare n-grams; route numbers ("12路") keep their shape.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DIGITS.sub("0", text)
    text = _LATIN.sub(lambda match: match.group(0) if len(match.group(0)) <= 4 else "a", text)
    return _SPACES.sub(" ", text).strip()
