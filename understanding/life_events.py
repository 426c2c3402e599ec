"""Which life event a message names when the NLU tagged none ("我下个月就到退休年龄了": the
tagger missed 退休 inside 退休年龄). The words are the life_event synonyms of the NLU data,
so the citizen's words for an event are written down once."""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from common.settings import PROJECT_ROOT

SYNONYMS_PATH = PROJECT_ROOT / "data" / "nlu" / "synonyms.yml"
# Events a citizen in trouble names: they decide the answer even when the tagger read another
# event too ("我爸没了，我是独生子" is no birth) or the NLU declined the message as off-topic.
HARDSHIP_EVENTS = ("bereavement", "unemployment", "retirement", "moving_away")
# Words of those events that also mean something else ("我先走了", "辞职信怎么写", "搬走了").
LOOSE_WORDS = frozenset({"走了", "辞职", "搬走"})
# Words that contain an event's word but name no event ("独生子" holds 生子).
_NOT_EVENTS = re.compile(r"独生[子女]|双胞胎")
_KIN = (
    "爸爸?|妈妈?|父亲|母亲|老伴儿?|老头子?|老太太|爷爷|奶奶|姥姥|姥爷|外公|外婆|公公|婆婆|岳父|岳母"
    "|丈夫|妻子|老公|老婆|爱人|儿子|女儿|孩子|哥哥?|姐姐?|弟弟?|妹妹?|家人|亲人|老人家?"
)
# A death as families say it: a relative who "走了", "没了", "不在了".
_BEREAVED = re.compile(rf"(?:{_KIN})[^，,。！!？?]{{0,8}}?(?:没了|走了|不在了|去世|过世|离世|病逝|逝世)")
# The household leaving the city: "户口从这边迁出去", "把户口迁到上海"; not one moving in.
_LEAVING = re.compile(
    r"迁出|迁走|(?:户口|户籍)[^，,。！!？?]{0,12}迁(?:到|去|往)(?!这|本市|我们|咱|示例市)"
    r"|迁(?:户口|户籍)(?:到|去|往)(?!这|本市|我们|咱|示例市)"
)


@lru_cache(maxsize=1)
def _words_by_value() -> dict[str, tuple[str, ...]]:
    data = yaml.safe_load(SYNONYMS_PATH.read_text(encoding="utf-8"))
    words: dict[str, tuple[str, ...]] = {}
    for item in data.get("nlu", []):
        if "synonym" in item:
            lines = str(item.get("examples", "")).splitlines()
            words[str(item["synonym"])] = tuple(
                line.strip().lstrip("- ").strip() for line in lines if line.strip()
            )
    return words


def life_events_in(text: str, event_ids: list[str], ignoring: frozenset[str] = frozenset()) -> list[str]:
    """The events of `event_ids` whose words (but those in `ignoring`) occur in `text`, in
    `event_ids`' order."""
    words = _words_by_value()
    text = _NOT_EVENTS.sub("", text)
    return [
        event
        for event in event_ids
        if any(word and word not in ignoring and word in text for word in words.get(event, ()))
    ]


def hardship_in(text: str) -> str | None:
    """The one hardship event `text` names (bereavement, unemployment, retirement, moving away),
    by the NLU's words or as families say it; None when it names none or several."""
    named = set(life_events_in(text, list(HARDSHIP_EVENTS), LOOSE_WORDS))
    if _BEREAVED.search(text):
        named.add("bereavement")
    if _LEAVING.search(text):
        named.add("moving_away")
    return named.pop() if len(named) == 1 else None
