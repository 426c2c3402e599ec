"""What a subscribe or unsubscribe message is about: bill types (the NLU's bill_type entity,
else the names in the bill-type table), a booking, a ticket, or nothing named."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.forms import latest_entity_values, latest_text
from departments.bill_types import BILL_TYPES
from notices.subscriptions import APPOINTMENT, TICKET

TOPIC_WORDS = {
    APPOINTMENT: ("预约", "挂号", "就诊"),
    TICKET: ("投诉", "工单", "12345", "反映的问题", "办理进度"),
}
TOPIC_NAMES = {APPOINTMENT: "预约提醒", TICKET: "投诉提醒"}
REMINDABLE = tuple(row.id for row in BILL_TYPES.values() if row.kind in ("billed", "traffic"))
"""What has a due date a department announces: water, electricity, gas and cable TV bills, and
traffic fines (15 days after the penalty decision)."""


def named_bill_types(tracker: Tracker) -> list[str]:
    named = [value for value in latest_entity_values(tracker, "bill_type") if value in BILL_TYPES]
    if named:
        return named
    text = latest_text(tracker)
    return [row.id for row in BILL_TYPES.values() if any(word in text for word in (row.name, *row.synonyms))]


def named_topic(tracker: Tracker) -> str | None:
    for value in latest_entity_values(tracker, "notice_topic"):
        if value in TOPIC_NAMES:
            return value
    text = latest_text(tracker)
    return next((topic for topic, words in TOPIC_WORDS.items() if any(word in text for word in words)), None)


def bill_topic_name(bill_type: str) -> str:
    return f"{BILL_TYPES[bill_type].name}提醒"


def account_label(bill_type: str, identifier: str) -> str:
    """ "户号 31****2345", "账号 CATV****0001", "车牌 鲁K·A1234": what a reminder is for."""
    row = BILL_TYPES[bill_type]
    word = "车牌" if row.kind == "traffic" else row.account_word
    return f"{word} {row.shown(identifier)}"
