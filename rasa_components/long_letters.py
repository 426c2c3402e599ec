"""Long messages to the city are letters, not small talk: the reading of an out-of-scope guess.

The out-of-scope training examples are chat-length requests to any assistant (recipes, maps,
music, 20-40 characters). DIET extends them by topic, so a long letter about a taxi driver who
steered tourists to a silk shop, a refused air-ticket refund or a metro line's timetable came
back out_of_scope with confidence 1.0 (about 1 real 人民网 post in 10, benchmarks/understanding.py
complaint_intent). Citizens do not write 60 characters to ask for a song; a long message the NLU
would refuse is read by its cue words instead: the first cue that matches names the intent.
Pure Python so that both environments import it: the Rasa component
(rasa_components/long_letter_guard.py) and the tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

LetterCues = Sequence[tuple[str, re.Pattern[str], int]]
"""(intent, cue pattern, fewest characters the message needs for this cue), tried in order."""


def compile_cues(
    table: Sequence[Sequence[str | int]], min_chars: int
) -> list[tuple[str, re.Pattern[str], int]]:
    """`table`: [[intent, pattern], [intent, pattern, chars], ...] as config.yml writes it; a cue
    without its own length needs `min_chars`. Words as common as 问题 or 领导 also occur in a long
    chat ("我有个数学问题想请教你…"), so the weakest cues ask for a longer message."""
    return [
        (str(row[0]), re.compile(str(row[1]), re.IGNORECASE), int(row[2]) if len(row) > 2 else min_chars)
        for row in table
    ]


def unsure_letter_intent(
    text: str, min_chars: int, cues: LetterCues, ranking: Sequence[tuple[str, float]]
) -> str | None:
    """For a long message the NLU was unsure about (`ranking`: DIET's intents, best first,
    without the fallback): the letter intent DIET put first or second, if any. Between a
    complaint and a question DIET's own preference is the better guide than cue words."""
    if len(text) < min_chars or text.startswith("/"):
        return None
    letter_intents = {intent for intent, _, _ in cues}
    return next((intent for intent, _ in ranking[:2] if intent in letter_intents), None)


def letter_intent(text: str, min_chars: int, cues: LetterCues) -> str | None:
    """The intent a long message's cue words name, or None for a short one, a button payload
    or a long message with no cue."""
    if len(text) < min_chars or text.startswith("/"):
        return None
    return next(
        (intent for intent, pattern, needed in cues if len(text) >= needed and pattern.search(text)), None
    )
