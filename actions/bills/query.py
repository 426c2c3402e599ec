"""Bill queries: prepare the form from the citizen's words, then answer when it is filled."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.bills.form import bill_type_buttons, split_bills, typed_bills
from actions.form_stack import resumes_after
from actions.forms import intent_of, latest_entity_values, latest_text
from actions.identity import begin_verification, refuse_other_person, verified_records
from common.identity import id_number_problem
from common.time_words import city_today, resolve_month
from departments.accounts import known_accounts
from departments.base import DepartmentError
from departments.bill_types import BILL_TYPE_TABLE, BILL_TYPES, IDENTIFIER_ENTITIES
from departments.bills import WrongAccount, bill_answer, overview_line
from departments.bindings import binding_store
from departments.identity import OwnRecords, is_personal

logger = logging.getLogger(__name__)


def busy_message(department: str) -> str:
    """ "供水公司系统繁忙"; a department already called a system is not called one twice."""
    return f"{department.removesuffix('系统')}系统繁忙，暂时查不到。请稍后再试，或拨打12345市民服务热线。"


def inferred_bill_type(tracker: Tracker) -> str | None:
    """A plate number means traffic fines, a GJJ number the housing fund, a CATV number cable
    TV, even unnamed (the bill-type table says which)."""
    accounts = [value.upper() for value in latest_entity_values(tracker, "account_number")]
    for row in BILL_TYPE_TABLE:
        if row.implied_by_entity and latest_entity_values(tracker, row.implied_by_entity):
            return row.id
        if row.account_prefix and any(value.startswith(row.account_prefix) for value in accounts):
            return row.id
    return None


class ActionPrepareBillQuery(Action):
    """Sets the form's starting point from this message alone: a bill type named now, or the
    previous one for a follow-up ("那上个月呢", a retyped number), or none for an overview. Of
    several bills named, those with their numbers are answered now when another lacks its
    number, and the form asks for that one (`split_bills`)."""

    def name(self) -> str:
        return "action_prepare_bill_query"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        from actions.bills.payment import ActionPayBill, misread_payment  # it imports this module

        typed = any(latest_entity_values(tracker, entity) for entity in IDENTIFIER_ENTITIES)
        if intent_of(tracker) == "query_bill" and typed and misread_payment(tracker):
            # "帮我把燃气费交了 GZ20080077" read as a bill question, pay_bill second: the words
            # say pay, and the number is there, so what is owed is answered in this turn.
            return [*await ActionPayBill().run(dispatcher, tracker, domain), FollowupAction("action_listen")]
        period = resolve_month(latest_text(tracker), city_today())
        named = latest_entity_values(tracker, "bill_type")
        bill_type = named[-1] if named else inferred_bill_type(tracker)
        is_follow_up = period is not None or typed
        if bill_type is None and is_follow_up:
            bill_type = tracker.get_slot("bill_type")
        answered, missing = await split_bills(tracker)
        for one_type, identifier in answered:
            await ActionQueryBill.answer(dispatcher, tracker, one_type, identifier, period)
        return [
            SlotSet("bill_type", missing or bill_type),
            SlotSet("bill_account", None),
            SlotSet("bill_period", period),
        ]


BINDING_WORDS = ("绑定", "解绑", "绑个", "绑一下")


MONTH_FOLLOW_UP_MAX_CHARS = 12


def misread_bill_query(tracker: Tracker) -> bool:
    """A bill question the NLU could not place, outside any form: the long message of an
    elderly citizen with its account number ("…那个天然气费是不是还没交啊…户号GZ20080077…"), or
    another month right after a bill answer ("那9月份的呢", which has no bill word of its own
    and so reads as out of scope), is a bill query, not a question for the knowledge base."""
    if tracker.active_loop.get("name") or any(word in latest_text(tracker) for word in BINDING_WORDS):
        return False
    return (
        bool(typed_bills(tracker))
        or (inferred_bill_type(tracker) is not None and bool(latest_entity_values(tracker, "account_number")))
        or _another_month(tracker)
    )


def _another_month(tracker: Tracker) -> bool:
    text = latest_text(tracker)
    return (
        len(text) <= MONTH_FOLLOW_UP_MAX_CHARS
        and tracker.get_slot("bill_type") is not None
        and resolve_month(text, city_today()) is not None
        and _answered_a_bill_last(tracker)
    )


def _answered_a_bill_last(tracker: Tracker) -> bool:
    """The bot's last action before the latest message was the bill answer."""
    last = tracker.get_last_event_for("action", exclude=["action_listen"])
    return last is not None and last.get("name") == ActionQueryBill.NAME


async def start_bill_query(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
) -> list[dict[str, Any]]:
    """The bill form starts from this message as if the NLU had read it as a bill query."""
    events = await ActionPrepareBillQuery().run(dispatcher, tracker, domain)
    return [*events, FollowupAction("bill_form")]


class ActionQueryBill(Action):
    NAME = "action_query_bill"

    def name(self) -> str:
        return self.NAME

    @resumes_after
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        bill_type = tracker.get_slot("bill_type")
        identifier = tracker.get_slot("bill_account")
        reset = [SlotSet("bill_account", None), SlotSet("bill_period", None)]
        if bill_type is None or identifier is None:
            await overview(dispatcher, tracker.sender_id)
            return reset
        if is_personal(bill_type):
            return [*reset, *await personal_bill(dispatcher, tracker, bill_type, identifier)]
        main = (bill_type, identifier)
        # Of several bills in one message, each is answered, in the order the citizen wrote them,
        # with the number typed for it or the one known for it.
        typed = dict(typed_bills(tracker))
        known = await known_accounts(tracker.sender_id)
        asked: list[tuple[str, str]] = []
        for one_type in latest_entity_values(tracker, "bill_type"):
            other = typed.get(one_type) or known.get(one_type)
            if one_type == bill_type:
                asked.append(main)
            elif one_type in BILL_TYPES and not is_personal(one_type) and other:
                asked.append((one_type, other))
        if main not in asked:
            asked.insert(0, main)
        for one_type, account in asked:
            await self.answer(dispatcher, tracker, one_type, account, tracker.get_slot("bill_period"))
        return reset

    @staticmethod
    async def answer(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        bill_type: str,
        identifier: str,
        period: str | None,
    ) -> None:
        """One bill from the department's record; an account typed for the first time is
        remembered for this channel user."""
        try:
            answer = await bill_answer(bill_type, identifier, period, city_today())
        except WrongAccount as wrong:
            dispatcher.utter_message(text=wrong.message)
            return
        except DepartmentError as error:
            logger.warning("bill query failed: %s", error)
            dispatcher.utter_message(text=busy_message(error.department))
            return
        known = await known_accounts(tracker.sender_id)
        if known.get(bill_type) != identifier:
            await binding_store().bind(tracker.sender_id, bill_type, identifier)
            name = BILL_TYPES[bill_type].name
            answer += f"\n已帮您记住这个号，下次直接说“查{name}”就行（回复“解绑{name}”可取消）。"
        dispatcher.utter_message(text=answer)


async def personal_bill(
    dispatcher: CollectingDispatcher, tracker: Tracker, bill_type: str, identifier: str
) -> list[dict[str, Any]]:
    """Social security, housing fund, traffic violations: only the verified citizen's own."""
    row = BILL_TYPES[bill_type]
    try:
        records = await verified_records(tracker.sender_id)
    except DepartmentError as error:
        logger.warning("identity unavailable: %s", error)
        dispatcher.utter_message(text=busy_message(error.department))
        return []
    if records is None:
        request = {
            "kind": "bill",
            "bill_type": bill_type,
            "identifier": identifier,
            "period": tracker.get_slot("bill_period"),
        }
        subject = identifier if id_number_problem(identifier) is None else None
        return await begin_verification(dispatcher, tracker, request, f"{row.name}记录", subject)
    await answer_own_bill(dispatcher, records, bill_type, identifier, tracker.get_slot("bill_period"))
    return []


async def answer_own_bill(
    dispatcher: CollectingDispatcher,
    records: OwnRecords,
    bill_type: str,
    identifier: str | None,
    period: str | None,
) -> None:
    row = BILL_TYPES[bill_type]
    if identifier and not records.owns(bill_type, identifier):
        refuse_other_person(dispatcher, records, f"{row.name}记录")
        return
    identifier = identifier or records.default_for(bill_type)
    if identifier is None:
        dispatcher.utter_message(text=f"没有查到您名下的{row.name}记录。")
        return
    try:
        answer = await bill_answer(bill_type, identifier, period, city_today())
    except WrongAccount as wrong:
        dispatcher.utter_message(text=wrong.message)
        return
    except DepartmentError as error:
        logger.warning("bill query failed: %s", error)
        dispatcher.utter_message(text=busy_message(error.department))
        return
    dispatcher.utter_message(text=answer)


class ActionBillMore(Action):
    """ "还有呢" after an answer: the citizen's other bills, or the list of what can be queried."""

    def name(self) -> str:
        return "action_bill_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        await overview(dispatcher, tracker.sender_id, shown=tracker.get_slot("bill_type"))
        return []


async def overview(dispatcher: CollectingDispatcher, sender_id: str, shown: str | None = None) -> None:
    """All known accounts but the one just shown, one short line each, each a numbered choice
    for the details; with none known, the bill types to choose from."""
    known = {t: i for t, i in (await known_accounts(sender_id)).items() if t != shown}
    if not known:
        dispatcher.utter_message(text="您要查哪一项？请回复数字：", buttons=bill_type_buttons())
        return
    lines = ["您名下的其他账单：" if shown else "您名下的账单："]
    for bill_type, identifier in known.items():
        try:
            lines.append(await overview_line(bill_type, identifier))
        except (DepartmentError, WrongAccount) as error:
            logger.warning("overview line failed: %s", error)
            lines.append(f"{BILL_TYPES[bill_type].name}：暂时查不到，请稍后再试")
    dispatcher.utter_message(
        text="\n".join(lines) + "\n要看哪一项的详情？",
        buttons=[
            {**button, "title": f"{button['title']}详情"}
            for button in bill_type_buttons("query_bill", list(known))
        ],
    )
