"""Binding, listing and removing the accounts a channel user queries without retyping."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.bills.query import busy_message
from actions.form_stack import resumes_after
from actions.forms import latest_entity_values, latest_text
from departments.accounts import linked_accounts
from departments.base import DepartmentError
from departments.bill_types import BILL_TYPES
from departments.bills import WrongAccount, fetch_record
from departments.bindings import binding_store
from departments.identity import is_personal

UNBIND_ALL_WORDS = ("全部", "都", "所有")


def shown_identifier(bill_type: str, identifier: str) -> str:
    return BILL_TYPES[bill_type].shown(identifier)


def type_name(bill_type: str) -> str:
    row = BILL_TYPES.get(bill_type)
    return row.name if row else bill_type


class ActionBindAccount(Action):
    """Submit of the binding form; with nothing named it lists what is bound instead."""

    def name(self) -> str:
        return "action_bind_account"

    @resumes_after
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        bill_type = tracker.get_slot("bill_type")
        identifier = tracker.get_slot("bill_account")
        reset = [SlotSet("bill_account", None)]
        if bill_type is None or identifier is None:
            await self._list(dispatcher, tracker.sender_id)
            return reset
        if is_personal(bill_type):
            name = BILL_TYPES[bill_type].name
            dispatcher.utter_message(
                text=f"{name}属于个人信息，不用绑定：验证本人身份后直接说“查{name}”就行。"
            )
            return reset
        try:
            await fetch_record(bill_type, identifier)
        except WrongAccount as wrong:
            dispatcher.utter_message(text=wrong.message)
            return reset
        except DepartmentError as error:
            dispatcher.utter_message(text=busy_message(error.department).replace("查不到", "绑定不了"))
            return reset
        await binding_store().bind(tracker.sender_id, bill_type, identifier)
        name = BILL_TYPES[bill_type].name
        dispatcher.utter_message(
            text=f"已绑定{BILL_TYPES[bill_type].identifier_name} {shown_identifier(bill_type, identifier)}。"
            f"以后直接说“查{name}”就行。"
        )
        return reset

    @staticmethod
    async def _list(dispatcher: CollectingDispatcher, sender_id: str) -> None:
        bound = await binding_store().all_for(sender_id)
        linked = await linked_accounts(sender_id)
        if not bound and not linked:
            dispatcher.utter_message(text="您还没有绑定任何户号。可以这样说：“绑定水费户号 3100012345”。")
            return
        lines = ["您绑定的账户："]
        for bill_type, identifier in {**linked, **bound}.items():
            source = "" if bill_type in bound else "（实名关联）"
            lines.append(f"{type_name(bill_type)}：{shown_identifier(bill_type, identifier)}{source}")
        if bound:
            lines.append("要解除，请说“解绑”加名称，如“解绑水费”。")
        dispatcher.utter_message(text="\n".join(lines))


class ActionUnbindAccount(Action):
    def name(self) -> str:
        return "action_unbind_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        store = binding_store()
        bound = await store.all_for(tracker.sender_id)
        named = latest_entity_values(tracker, "bill_type")
        if not bound:
            dispatcher.utter_message(text="您没有自己绑定的户号，不需要解绑。")
            return []
        if not named and any(word in latest_text(tracker) for word in UNBIND_ALL_WORDS):
            await store.unbind(tracker.sender_id)
            dispatcher.utter_message(text="已解除全部绑定。")
            return [SlotSet("bill_type", None)]
        if not named:
            dispatcher.utter_message(
                text="要解除哪一个？",
                buttons=[
                    {
                        "title": f"{type_name(t)} {shown_identifier(t, i)}",
                        "payload": f'/unbind_account{{"bill_type":"{t}"}}',
                    }
                    for t, i in bound.items()
                ],
            )
            return []
        removed = [t for t in named if t in bound]
        for bill_type in removed:
            await store.unbind(tracker.sender_id, bill_type)
        missing = [type_name(t) for t in named if t not in bound]
        parts = []
        if removed:
            parts.append("已解除绑定：" + "、".join(type_name(t) for t in removed) + "。")
        if missing:
            parts.append("您没有绑定" + "、".join(missing) + "。")
        dispatcher.utter_message(text="".join(parts))
        return [SlotSet("bill_type", None)]
