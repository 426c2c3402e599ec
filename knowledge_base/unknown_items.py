"""Questions about a permit, registration or licence the knowledge base has never heard of.

"无人机登记备案" scored 0.58 against "租房合同怎么备案" and was answered with it; "犬只登记要带什么"
got the marriage registration guide, "取水许可证怎么申请" the food-business licence. A made-up or
uncovered service item is named the way real ones are, a modifier and a procedure word
(X登记, X备案, X许可证, X驾照 ...), and the embedding and the char n-grams both score the shared
procedure words and question template ("……登记要带什么") high, so neither score nor margin
tells it from a real paraphrase. What does tell it: the modifier in front of the procedure
word appears nowhere in the knowledge base, not in a phrasing, a keyword, an answer or a
guide. Such a question names a service the knowledge base has no entry for, and the honest
reply is "no guide here" with the human routes, not a sibling's guide or a list of unrelated
choices.

Only the modifier right before a procedure word counts: other unknown words in a question
("钱包被偷了身份证也在里面", "我老婆怀孕了") are the citizen's circumstances, and most real
questions have some (measured on knowledge_base/eval/: 95 of the 158 answered directly contain a
word the KB never uses).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from knowledge_base.catalog import Entry
from knowledge_base.text import normalize

PROCEDURE_WORDS = (
    "登记",
    "备案",
    "报备",
    "许可证",
    "许可",
    "审批",
    "年审",
    "驾照",
    "执照",
    "牌照",
    "资格证",
    "证书",
)
"""Words that end the name of a service item; the two characters before one are its modifier."""
MODIFIER_PAIRS = 2
GRAMMAR_CHARACTERS = frozenset("了的地得去来在到把被给和跟与还也都就再先又才要想能可会办儿")
"""A modifier ending in one of these is no modifier: "那天去登记", "除了执照", "去哪儿登记" use
the procedure word as a verb or after a function word."""
_HANZI = re.compile(r"[\u4e00-\u9fff]{2}")
_PROCEDURE = re.compile("|".join(sorted(PROCEDURE_WORDS, key=len, reverse=True)))


def entry_text(entry: Entry) -> str:
    """Everything an entry says, so a modifier known anywhere in it is known."""
    parts = [*entry.phrasings, *entry.keywords, entry.answer]
    if entry.guide is not None:
        guide = entry.guide
        parts += [*guide.materials, *guide.steps, guide.where, guide.hours, guide.fee]
        parts += [guide.time_limit, guide.online, guide.who]
    return "\n".join(normalize(part) for part in parts)


class UnknownItemCheck:
    """Tells whether a question names a service item the content never mentions."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._known = "\n".join(entry_text(entry) for entry in entries)

    def unknown_item(self, question: str) -> str | None:
        """The first modifier of a procedure word that the content does not know, e.g. "人机"
        in "无人机登记备案", or None when every named item is known (or none is named).

        A modifier is read back from the procedure word two characters at a time, at most
        twice, so "种子经营许可证" is caught by 种子 although 经营 is known (食品经营许可证)."""
        text = normalize(question)
        for match in _PROCEDURE.finditer(text):
            end = match.start()
            for _ in range(MODIFIER_PAIRS):
                modifier = text[max(end - 2, 0) : end]
                if not _HANZI.fullmatch(modifier) or modifier[-1] in GRAMMAR_CHARACTERS:
                    break
                if modifier not in self._known:
                    return modifier
                end -= 2
        return None
