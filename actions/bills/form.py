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

from actions.forms import (
    STOP_HINT,
    ValidationBase,
    intent_of,
    just_rejected,
    latest_entity_values,
    latest_text,
)
from departments.accounts import known_accounts
from departments.base import DepartmentError
from departments.bill_types import BILL_TYPE_TABLE, BILL_TYPES, IDENTIFIER_ENTITIES, names_list
from departments.bills import WrongAccount, fetch_record
from departments.identity import is_personal

logger = logging.getLogger(__name__)
ACCOUNT_SLOTS = ["bill_type", "bill_account"]
LIST_WORDS = ("哪些", "哪几个", "哪个", "什么户号", "列表", "查看绑定", "看看绑定", "绑了啥", "绑了什么")


def _fits(bill_type: str, entity: str, value: str) -> bool:
    """The identifier can be this bill type's: the right kind, the right form, and the company's
    prefix where it has one (GZ… is gas, never water)."""
    row = BILL_TYPES[bill_type]
    normalised = row.normalise(value)
    if entity not in row.identifier_entities or row.identifier_problem(normalised):
        return False
    if entity != "account_number":
        return True
    prefixed = next(
        (
            other.id
            for other in BILL_TYPE_TABLE
            if other.account_prefix and normalised.startswith(other.account_prefix)
        ),
        None,
    )
    return prefixed == bill_type or (prefixed is None and not row.account_prefix)


def _read_identifiers(tracker: Tracker) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Which typed identifier goes with which named bill, in the order written: each goes to the
    earliest bill named before it that still has none and that it fits ("查一下水费和电费，水费户号
    3100012345" gives water its number and electricity none; "水费和电费分别是3100012345和
    0531880002" gives each its own); one typed before any name goes to the first bill named
    after it. Returns the claimed identifiers by bill type, and the (entity, value) pairs no
    named bill claimed."""
    entities = sorted(
        tracker.latest_message.get("entities", []), key=lambda item: int(item.get("start") or 0)
    )
    waiting: list[str] = []
    claimed: dict[str, str] = {}
    unclaimed: list[tuple[str, str]] = []
    for item in entities:
        entity, value = str(item.get("entity")), str(item.get("value") or "").strip()
        if not value:
            continue
        if entity == "bill_type" and value in BILL_TYPES:
            if value in claimed or value in waiting:
                continue
            earlier = next(((kind, typed) for kind, typed in unclaimed if _fits(value, kind, typed)), None)
            if earlier is not None:
                unclaimed.remove(earlier)
                claimed[value] = BILL_TYPES[value].normalise(earlier[1])
            else:
                waiting.append(value)
        elif entity in IDENTIFIER_ENTITIES:
            owner = next((bill_type for bill_type in waiting if _fits(bill_type, entity, value)), None)
            if owner is None:
                unclaimed.append((entity, value))
            else:
                waiting.remove(owner)
                claimed[owner] = BILL_TYPES[owner].normalise(value)
    return claimed, unclaimed


def typed_identifier(tracker: Tracker, bill_type: str) -> str | None:
    """The identifier of this bill type the citizen wrote in their latest message, if any: of
    several ("燃气 GZ20080077 还有电费 0531880001"), the one that goes with this bill
    (`_read_identifiers`). A bill the message does not name (its number asked for) takes the
    first unclaimed identifier of its kind, even a malformed one, so the form can say what is
    wrong with it; so does a named bill when no other bill claimed that identifier."""
    claimed, unclaimed = _read_identifiers(tracker)
    if bill_type in claimed:
        return claimed[bill_type]
    row = BILL_TYPES[bill_type]
    of_its_kind = [value for entity, value in unclaimed if entity in row.identifier_entities]
    return row.normalise(of_its_kind[0]) if of_its_kind else None


async def split_bills(tracker: Tracker) -> tuple[list[tuple[str, str]], str | None]:
    """Several bills named in one message, one of them without a number typed or known ("查一下
    水费和电费，水费户号3100012345"): the bills with their typed numbers, answered at once, and the
    first bill missing its number, which the form asks for. ([], None) when every bill has its
    number (the answer gives them all, in order), for a binding, or when a personal record is
    among them (it needs the verification first)."""
    named = [bill_type for bill_type in latest_entity_values(tracker, "bill_type") if bill_type in BILL_TYPES]
    if len(named) < 2 or intent_of(tracker) == "bind_account" or any(map(is_personal, named)):
        return [], None
    typed = typed_bills(tracker)
    known = await known_accounts(tracker.sender_id)
    missing = [bill_type for bill_type in named if bill_type not in dict(typed) and bill_type not in known]
    return (typed, missing[0]) if typed and missing else ([], None)


async def bill_asked_about(tracker: Tracker, value: Any) -> Any:
    """The bill the form is about, given the bill type slot's `value`. The slot takes the last
    bill the message names (its entity mapping); of several bills, the form asks about the one without a number (`split_bills`),
    and a blank the NLU tagged as a bill ("违章 鲁K·A1234" gave the space too) is no bill."""
    _, missing = await split_bills(tracker)
    if missing:
        return missing
    if value is not None and not str(value).strip():
        named = latest_entity_values(tracker, "bill_type")
        return named[-1] if named else None
    return value


def typed_bills(tracker: Tracker) -> list[tuple[str, str]]:
    """Every (bill type, identifier) pair of the latest message, in the order written: "水费
    3100012345，电费0531880002也查下" asks two questions, each answered. A type named without a
    valid identifier of its own is left out."""
    pairs: list[tuple[str, str]] = []
    entities = tracker.latest_message.get("entities", [])
    for item in sorted(entities, key=lambda item: int(item.get("start") or 0)):
        bill_type = item.get("value")
        if item.get("entity") != "bill_type" or bill_type not in BILL_TYPES:
            continue
        if bill_type in (named for named, _ in pairs):
            continue
        identifier = typed_identifier(tracker, bill_type)
        if identifier and BILL_TYPES[bill_type].identifier_problem(identifier) is None:
            pairs.append((bill_type, identifier))
    return pairs


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
        bill_type = await bill_asked_about(tracker, tracker.get_slot("bill_type"))
        if bill_type not in BILL_TYPES:
            return {}
        typed = typed_identifier(tracker, bill_type)
        if typed:
            return {"bill_account": typed}
        if tracker.get_slot("requested_slot") == "bill_account":
            bare = BILL_TYPES[bill_type].normalise(latest_text(tracker))
            if bare and BILL_TYPES[bill_type].identifier_problem(bare) is None:
                return {"bill_account": bare}
        if tracker.get_slot("bill_account"):
            return {}
        known = (await known_accounts(tracker.sender_id)).get(bill_type)
        return {"bill_account": known} if known else {}

    async def validate_bill_type(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        slot_value = await bill_asked_about(tracker, slot_value)
        if slot_value is None or slot_value in BILL_TYPES:
            return {"bill_type": slot_value}
        return self.reject(dispatcher, "bill_type", f"暂时只能查{names_list()}。")

    async def validate_bill_account(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A typed utility account is checked with the department now, so an unknown one is asked
        again inside the form. If the department is down it is accepted; the answer says so.
        Personal records are not: whether an id number or plate exists is itself personal, so
        only the format is checked and the answer waits for the verified identity."""
        bill_type = tracker.get_slot("bill_type")
        if bill_type not in BILL_TYPES or not slot_value:
            return {"bill_account": None}
        problem = BILL_TYPES[bill_type].identifier_problem(str(slot_value))
        if problem:
            return self.reject(dispatcher, "bill_account", problem)
        if not is_personal(bill_type) and (
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
        if just_rejected(tracker):
            return []
        row = BILL_TYPES[tracker.get_slot("bill_type")]
        dispatcher.utter_message(text=f"请发您的{row.identifier_name}（{row.identifier_hint}）。{STOP_HINT}")
        return []


class ActionAskBillType(Action):
    """The bill types as numbered buttons, from the bill-type table, so a new type needs no
    change to the domain's responses."""

    def name(self) -> str:
        return "action_ask_bill_type"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="您要查哪一项？请回复数字：", buttons=bill_type_buttons())
        return []


def bill_type_buttons(intent: str = "inform", only: list[str] | None = None) -> list[dict[str, str]]:
    chosen = only if only is not None else list(BILL_TYPES)
    return [
        {"title": BILL_TYPES[bill_type].name, "payload": f'/{intent}{{"bill_type":"{bill_type}"}}'}
        for bill_type in chosen
    ]
