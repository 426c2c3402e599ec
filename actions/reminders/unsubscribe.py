"""“退订燃气提醒” stops one kind; “别再给我发了” stops everything but urgent notices."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reminders.topics import TOPIC_NAMES, bill_topic_name, named_bill_types, named_topic
from notices.subscriptions import BILL, subscription_store


class ActionUnsubscribeNotice(Action):
    def name(self) -> str:
        return "action_unsubscribe_notice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        store = subscription_store()
        bill_types = named_bill_types(tracker)
        topic = None if bill_types else named_topic(tracker)
        if bill_types:
            for bill_type in bill_types:
                await store.unsubscribe(tracker.sender_id, BILL, bill_type)
            names = "、".join(bill_topic_name(bill_type) for bill_type in bill_types)
            dispatcher.utter_message(
                text=f"已退订{names}，以后不再发。想恢复，说“{names[:-2]}快到期提醒我”。"
            )
        elif topic is not None:
            await store.unsubscribe(tracker.sender_id, topic)
            dispatcher.utter_message(text=f"已退订{TOPIC_NAMES[topic]}，以后不再发。")
        else:
            await store.unsubscribe(tracker.sender_id)
            dispatcher.utter_message(
                text="好的，以后不再给您发提醒（停水、停气这类紧急通知除外）。想恢复，说“我的提醒”看看怎么开。"
            )
        return []
