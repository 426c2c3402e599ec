"""Validation of the bill query and binding forms: which bill, which account.

Both forms ask the same two questions, so one class serves both: a known account (bound
or linked) fills the account slot without asking, a typed one is checked for format here
and for existence with the department before it is used.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.bills.accounts import (
    BILL_TYPES,
    IDENTIFIER_ENTITIES,
    IDENTIFIER_HINTS,
    IDENTIFIER_NAMES,
    identifier_problem,
    known_accounts,
    normalise_identifier,
)
from actions.bills.lookup import WrongAccount, fetch_record
from actions.clients.base import DepartmentError
from actions.forms import STOP_HINT, ValidationBase, latest_entity_values, latest_text

logger = logging.getLogger(__name__)
ACCOUNT_SLOTS = ["bill_type", "bill_account"]
LIST_WORDS = ("哪些", "哪几个", "哪个", "什么户号", "列表", "查看绑定", "看看绑定", "绑了啥", "绑了什么")


def typed_identifier(tracker: Tracker, bill_type: str) -> str | None:
    """The identifier of this bill type the citizen wrote in their latest message, if any."""
    for entity in IDENTIFIER_ENTITIES[bill_type]:
        values = latest_entity_values(tracker, entity)
        if values:
            return normalise_identifier(bill_type, values[0])
    return None


class ValidateBillForm(ValidationBase):
    """Also the parent of the binding form's validation; only the form name differs."""

    def name(self) -> str:
        return "validate_bill_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """No bill type and accounts already known: the form has nothing to ask (an overview)."""
        if tracker.get_slot("bill_type") is None and await known_accounts(tracker.sender_id):
            return []
        return ACCOUNT_SLOTS

    async def extract_bill_account(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        bill_type = tracker.get_slot("bill_type")
        if bill_type not in BILL_TYPES:
            return {}
        typed = typed_identifier(tracker, bill_type)
        if typed:
            return {"bill_account": typed}
        if tracker.get_slot("requested_slot") == "bill_account":
            bare = normalise_identifier(bill_type, latest_text(tracker))
            if bare and identifier_problem(bill_type, bare) is None:
                return {"bill_account": bare}
        if tracker.get_slot("bill_account"):
            return {}
        known = (await known_accounts(tracker.sender_id)).get(bill_type)
        return {"bill_account": known} if known else {}

    def validate_bill_type(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if slot_value is None or slot_value in BILL_TYPES:
            return {"bill_type": slot_value}
        return self.reject(dispatcher, "bill_type", "暂时只能查水费、电费、燃气费、社保、公积金和交通违章。")

    async def validate_bill_account(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A typed identifier is checked with the department now, so an unknown one is asked
        again inside the form. If the department is down it is accepted; the answer says so."""
        bill_type = tracker.get_slot("bill_type")
        if bill_type not in BILL_TYPES or not slot_value:
            return {"bill_account": None}
        problem = identifier_problem(bill_type, str(slot_value))
        if problem:
            return self.reject(dispatcher, "bill_account", problem)
        if (
            tracker.get_slot("requested_slot") == "bill_account"
            or typed_identifier(tracker, bill_type) == slot_value
        ):
            try:
                await fetch_record(bill_type, str(slot_value))
            except WrongAccount as wrong:
                return self.reject(dispatcher, "bill_account", wrong.message)
            except DepartmentError as error:
                logger.warning("could not verify an account now: %s", error)
        return {"bill_account": str(slot_value)}


class ValidateBindForm(ValidateBillForm):
    def name(self) -> str:
        return "validate_bind_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """ "我绑定了哪些户号" asks for the list, which the submit action shows: nothing to ask."""
        if tracker.get_slot("bill_type") is None and any(word in latest_text(tracker) for word in LIST_WORDS):
            return []
        return ACCOUNT_SLOTS


class ActionAskBillAccount(Action):
    """Asks for the identifier the chosen bill type needs, with where to find it."""

    def name(self) -> str:
        return "action_ask_bill_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        bill_type = tracker.get_slot("bill_type")
        dispatcher.utter_message(
            text=f"请发您的{IDENTIFIER_NAMES[bill_type]}（{IDENTIFIER_HINTS[bill_type]}）。{STOP_HINT}"
        )
        return []
