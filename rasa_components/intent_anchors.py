"""The words a city intent cannot do without, as the last word on what DIET guessed.

DIET gives every message some intent, and a message the city does not serve ("把音量调大点",
"设一个下午三点的提醒") sometimes lands on one that starts a task: the bill menu, a
subscription, the agents' queue. Each intent that starts a task names the words it cannot be
without (a bill, an account, a reminder's city subject, a person to talk to); a message with
none of them is out of scope whatever DIET said. Pure Python so that both environments import
it: the Rasa component (rasa_components/anchor_guard.py) and the tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

AnchorTable = Mapping[str, Sequence[str]]
"""intent -> regular expressions that must ALL match somewhere in the message."""


def compile_anchors(table: AnchorTable) -> dict[str, list[re.Pattern[str]]]:
    return {
        intent: [re.compile(pattern, re.IGNORECASE) for pattern in patterns]
        for intent, patterns in table.items()
    }


def lacks_anchor(intent: str, text: str, anchors: Mapping[str, list[re.Pattern[str]]]) -> bool:
    """True when `intent` has anchors and `text` misses one of them. Button payloads
    ("/pay_bill{...}") are the dialogue's own words and always pass."""
    patterns = anchors.get(intent)
    if not patterns or text.startswith("/"):
        return False
    return not all(pattern.search(text) for pattern in patterns)
