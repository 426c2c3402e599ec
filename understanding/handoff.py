"""Whether a message the NLU took for `human_handoff` really asks for a person of the city.

People send an assistant what they send any phone assistant: "打电话给张三", "给我妈打个电话",
"双色球开奖号码". The NLU sometimes takes those for a request for a person, and each would join
the agents' live queue. A real request names the person it wants (人工, 客服, 真人, the
hotline...) or the machine it does not want; a call to a third party is a phone command."""

from __future__ import annotations

import re

PERSON_WORDS = (
    "人工", "客服", "真人", "活人", "工作人员", "坐席", "接线", "转接", "值班", "领导", "热线", "12345",
    "机器人", "找人", "找个人", "有人", "人呢", "人来", "人帮", "来个人",
)  # fmt: skip
# "打电话给张三", "给我妈打个电话", "呼叫李四", "拨打13800000000": someone else, not the city.
CALL_COMMAND = re.compile(r"(打(个|一个)?(电话|视频)|拨(打|通)?|呼叫|视频通话|语音通话)")


def asks_for_a_person(text: str) -> bool:
    compact = re.sub(r"\s", "", text)
    return any(word in compact for word in PERSON_WORDS)


def is_phone_command(text: str) -> bool:
    """A call to someone the message names rather than to the city's people."""
    compact = re.sub(r"\s", "", text)
    return bool(CALL_COMMAND.search(compact)) and not asks_for_a_person(compact)
