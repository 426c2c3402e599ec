"""Where a complaint happened, as comparable text: the ticket's location and the place words
of its description, normalised, compared by character bigrams.

Citizens write the same place many ways ("环翠区文化中路88号", "文化中路那家烧烤店",
"文化中路和青岛路路口"), so exact matching fails and segmentation is unreliable; character
bigrams of the place strings, without the city and district prefix and without the filler
around them (楼下, 附近, 门口...), are robust to that. The similarity is the overlap
coefficient |A∩B| / min(|A|, |B|): a short mention ("文化中路") fully inside a longer address
("文化中路88号") counts as the same place, which Jaccard would halve.
"""

from __future__ import annotations

import re

# A place word: a name of 2-6 Chinese characters ending in a place suffix, with an optional
# house number; "楼下/门口/附近" around it are dropped by the normalisation below.
_PLACE = re.compile(
    r"[\u4e00-\u9fa5]{1,6}?(?:大道|路|街|巷|道口|小区|花园|公寓|广场|公园|市场|菜市场|学校|小学|中学|幼儿园"
    r"|医院|车站|火车站|汽车站|社区|新村|村|大厦|商场|景区|码头|工地|站)(?:\d+号(?:院|楼)?)?(?:\d+期)?"
)
_PREFIXES = re.compile(r"^(?:山东省)?(?:示例市|威海市)?(?:[\u4e00-\u9fa5]{2}区)?")
_FILLER = re.compile(
    r"我们|我家|家里|楼下|楼上|门口|旁边|附近|对面|那边|这边|那里|这里|那个|这个|那家|这家|一带|里面|上面|"
    r"[的在了，。,.!！?？、\s]"
)
# Words that end like a place but are not one (a name needs 3 characters or more anyway).
_NOT_PLACES = frozenset({"大马路", "一路上", "供水管路", "走夜路"})


def place_words(text: str) -> list[str]:
    """The place names in free text, in order: "锦华小区3号楼没水了" -> ["锦华小区"]."""
    found = []
    for match in _PLACE.finditer(text):
        word = normalise(match.group(0))
        if len(word) >= 3 and word not in _NOT_PLACES:
            found.append(word)
    return found


def normalise(place: str) -> str:
    """Drops the city/district prefix and filler words: "环翠区文化中路88号门口" -> "文化中路88号"."""
    cleaned = _FILLER.sub("", place.strip())
    stripped = _PREFIXES.sub("", cleaned)
    return stripped or cleaned


def place_of(location: str | None, description: str) -> str:
    """The ticket's place as one string: its location field, else the description's place
    words; "" when neither names a place ("楼下太吵了")."""
    if location and normalise(location):
        return normalise(location)
    return "".join(dict.fromkeys(place_words(description)))


def bigrams(place: str) -> frozenset[str]:
    text = re.sub(r"\d+", "#", place)
    if len(text) < 2:
        return frozenset({text}) if text else frozenset()
    return frozenset(text[index : index + 2] for index in range(len(text) - 1))


def place_similarity(first: frozenset[str], second: frozenset[str]) -> float | None:
    """Overlap coefficient of two places' bigrams, 0..1; None when either place is unknown."""
    if not first or not second:
        return None
    return len(first & second) / min(len(first), len(second))
