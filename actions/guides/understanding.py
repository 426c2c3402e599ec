"""What a guide question asks for, from the NLU's entities and the citizen's words."""

from __future__ import annotations

import re

from rasa_sdk import Tracker

from actions.forms import latest_entity_values, latest_text
from knowledge_base.answers import ASPECTS, aspect_of
from knowledge_base.catalog import Catalog
from knowledge_base.text import normalize

# Words the NLU labels as other entities (one label per span keeps the tagger simple) that
# still name exactly one guide when the citizen asks how to do it: "[水费]怎么交". Nouns with
# several guides (公积金: balance, withdrawal, loan) are left to the retriever.
ENTITY_TOPICS: dict[tuple[str, str], str] = {
    ("bill_type", "water"): "utility.water_pay",
    ("bill_type", "electricity"): "utility.electricity_pay",
    ("bill_type", "gas"): "utility.gas_pay",
    ("appointment_type", "hospital"): "health.hospital_registration",
}
# The words of a bare sub-question ("要多少钱", "那在哪办呢", "周六上班吗"): a message made only
# of these names no topic, so it asks about the guide just discussed. Anything left over
# ("证件丢了怎么办" leaves 丢) may name a new topic and goes to the retriever.
_SUB_QUESTION_WORDS = re.compile(
    "|".join(
        (
            "多少钱|多少|收费|收钱|费用|工本费|免费|价格|贵|钱",
            "带什么|带啥|带哪些|材料|证件|准备|需要|哪些|什么|啥",
            "在哪里|在哪儿|在哪|哪里|哪儿|去哪|到哪|地址|地方|窗口|部门",
            "几点|上班|下班|开门|关门|营业|时间|周末|周六|周日|星期[六天日]|节假日|工作日",
            "多久|几天|多长|多快|时限|加急|拿到|到账|办好|下来",
            "网上|线上|网办|手机上|手机|小程序|在家",
            "流程|步骤|手续|怎么|如何|咋|具体",
            "谁|人|条件|资格|符合",
            "请问|那么|那|还|也|要|能|可以|可不可以|办理|办|弄|做|去|带|到|拿|取|交|的|是|有|吗|呢|啊|呀|吧|了|一下|个|这个|这",
        )
    )
)
_NOT_WORDS = re.compile(r"[\s\W_]+")


def requested_topics(tracker: Tracker, catalog: Catalog) -> list[str]:
    """Knowledge-base ids named in the latest message, in order; unknown ids are dropped."""
    named = [value for value in latest_entity_values(tracker, "service_item") if value in catalog]
    if named:
        return named
    return [
        topic
        for (entity, value), topic in ENTITY_TOPICS.items()
        if value in latest_entity_values(tracker, entity) and topic in catalog
    ]


def requested_aspects(tracker: Tracker) -> list[str]:
    """The guide parts asked for: the NLU's guide_aspect values in order ("在哪办几点上班" asks
    two), else the one the wording shows; none for a button payload. "怎么办护照" reads as
    steps by wording alone, but a first question wants the overview (which sums up the
    steps); only a bare "那怎么办呢" after a guide asks for the steps themselves."""
    tagged = [value for value in latest_entity_values(tracker, "guide_aspect") if value in ASPECTS]
    if tagged:
        return tagged
    text = latest_text(tracker)
    if is_payload(text):
        return []
    found = aspect_of(text)
    if found is None or (found == "steps" and not is_follow_up(text)):
        return []
    return [found]


def is_payload(text: str) -> bool:
    """A button's payload ("/ask_service_guide{...}") rather than words the citizen typed."""
    return text.startswith("/")


def is_follow_up(text: str) -> bool:
    """A bare sub-question about the guide discussed last; see `_SUB_QUESTION_WORDS`."""
    words = _NOT_WORDS.sub("", normalize(text))
    return bool(words) and not _SUB_QUESTION_WORDS.sub("", words)
