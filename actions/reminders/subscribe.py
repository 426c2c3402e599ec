"""“以后水费快到期提醒我”: bill reminders for the account the citizen bound or is linked to."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reminders.topics import (
    REMINDABLE,
    TOPIC_NAMES,
    account_label,
    bill_topic_name,
    named_bill_types,
    named_topic,
)
from common.settings import load_settings
from departments.accounts import linked_accounts
from departments.base import DepartmentError
from departments.bill_types import BILL_TYPES
from departments.bindings import binding_store
from notices.subscriptions import APPOINTMENT, BILL, subscription_store


def _quiet_line() -> str:
    quiet = load_settings().notices.quiet_hours
    return f"（{quiet.replace('-', '到')}不打扰）" if quiet else ""


class ActionSubscribeNotice(Action):
    def name(self) -> str:
        return "action_subscribe_notice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        bill_types = named_bill_types(tracker)
        topic = None if bill_types else named_topic(tracker)
        if topic is not None:
            await subscription_store().subscribe(tracker.sender_id, topic)
            when = "预约前一天" if topic == APPOINTMENT else "工单受理、派单和办结时"
            dispatcher.utter_message(
                text=f"好的，{when}会提醒您{_quiet_line()}。不想收了，回复“退订{TOPIC_NAMES[topic]}”。"
            )
            return []
        if not bill_types:
            dispatcher.utter_message(text="想收哪种提醒？", buttons=_choices())
            return []
        lines = [await self._bill(tracker.sender_id, bill_type) for bill_type in bill_types]
        dispatcher.utter_message(text="\n".join(lines))
        return []

    @staticmethod
    async def _bill(sender_id: str, bill_type: str) -> str:
        row = BILL_TYPES[bill_type]
        if bill_type not in REMINDABLE:
            return f"{row.name}暂时不能订阅到期提醒；想看可以直接说“查{row.name}”。"
        bound = await binding_store().all_for(sender_id)
        try:
            linked = await linked_accounts(sender_id)
        except DepartmentError:
            linked = {}
        account = bound.get(bill_type) or linked.get(bill_type)
        fine = row.kind == "traffic"
        if not account:
            return (
                f"要提醒哪个{'车牌' if fine else '户号'}呢？请先绑定{row.identifier_name}（{row.identifier_hint}），"
                f"再说“{'罚单' if fine else row.name}快到期提醒我”。"
            )
        await subscription_store().subscribe(sender_id, BILL, bill_type, account)
        days = load_settings().notices.bill_days_before
        what = "罚款缴款期限" if fine else "账单到期"
        return (
            f"好的，{row.name}（{account_label(bill_type, account)}）{what}前{days}天还没交，会提醒您{_quiet_line()}。"
            f"不想收了，回复“退订{bill_topic_name(bill_type)}”。"
        )


def _choices() -> list[dict[str, str]]:
    buttons = [
        {"title": bill_topic_name(bill_type), "payload": f'/subscribe_notice{{"bill_type":"{bill_type}"}}'}
        for bill_type in REMINDABLE
    ]
    buttons.append({"title": "预约提醒", "payload": '/subscribe_notice{"notice_topic":"appointment"}'})
    return buttons
