"""“我的提醒”: what the citizen will be told, and how to change it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reminders.topics import TOPIC_NAMES, account_label, bill_topic_name
from departments.bill_types import BILL_TYPES
from notices.subscriptions import ALL, BILL, DEFAULT_ON, subscription_store


class ActionListNotices(Action):
    def name(self) -> str:
        return "action_list_notices"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        rows = await subscription_store().of(tracker.sender_id)
        if any(row.topic == ALL and not row.enabled for row in rows):
            dispatcher.utter_message(
                text="您已关闭全部提醒（紧急通知除外）。想重新开，说“水费快到期提醒我”或“预约前提醒我”。"
            )
            return []
        lines = ["您的提醒："]
        for row in rows:
            if row.topic == BILL and row.enabled and row.bill_type in BILL_TYPES:
                lines.append(
                    f"· {bill_topic_name(row.bill_type)}：开（{account_label(row.bill_type, row.account)}）"
                )
        for topic in sorted(DEFAULT_ON):
            off = any(row.topic == topic and not row.ref and not row.enabled for row in rows)
            lines.append(f"· {TOPIC_NAMES[topic]}：{'关' if off else '开'}")
        lines.append(
            "要开缴费到期提醒，说“水费快到期提醒我”；要关，说“退订水费提醒”，全部关说“别再给我发了”。"
        )
        dispatcher.utter_message(text="\n".join(lines))
        return []
