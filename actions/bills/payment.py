"""Paying a bill: what is owed, with an Alipay payment link per unpaid bill of a type that can
be paid online where the Alipay channel is configured, else how to pay elsewhere."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.bills.form import typed_identifier
from actions.bills.query import busy_message, inferred_bill_type
from actions.forms import latest_entity_values, latest_text
from common.masking import mask_account
from departments.accounts import known_accounts
from departments.base import DepartmentError
from departments.bill_replies import money
from departments.bill_types import BILL_TYPES, PAYABLE_ONLINE
from departments.bills import WrongAccount, unpaid_bills
from departments.utility import UtilityAccount
from integrations.alipay.payments import PayableBill, PaymentError, PaymentUnavailable, create_payment_order

logger = logging.getLogger(__name__)
# The citizen already asked to pay here, so the hint names only the other ways.
PAY_ELSEWHERE = "也可以在支付宝、微信的“生活缴费”里交，或到营业厅、银行代扣。"


# "交了 / 缴掉 / 付一下 / 把…交": the words of paying; "交了没" asks whether it was paid.
PAYING_WORDS = re.compile(r"(?:交|缴|付)(?:了|掉|一下|上)(?!没|吗|几|多)|支付|付款|把.{0,10}(?:交|缴|付)")
UNSURE_INTENTS = ("nlu_fallback", "out_of_scope")


def misread_payment(tracker: Tracker) -> bool:
    """A request to pay the NLU could not tell from a bill question ("帮我把燃气费交了 GZ20080077":
    pay_bill and query_bill within the fallback's ambiguity margin, or pay_bill second to it) is
    a payment when its words say pay, outside any form."""
    if tracker.active_loop.get("name"):
        return False
    ranking = [
        item.get("name")
        for item in tracker.latest_message.get("intent_ranking") or []
        if item.get("name") not in UNSURE_INTENTS
    ]
    return "pay_bill" in ranking[:2] and PAYING_WORDS.search(latest_text(tracker)) is not None


class ActionPayBill(Action):
    def name(self) -> str:
        return "action_pay_bill"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        named = latest_entity_values(tracker, "bill_type")
        bill_type = named[-1] if named else (inferred_bill_type(tracker) or tracker.get_slot("bill_type"))
        if bill_type in BILL_TYPES and not BILL_TYPES[bill_type].payable_online:
            dispatcher.utter_message(text=BILL_TYPES[bill_type].pay_hint)
            return []
        known = await known_accounts(tracker.sender_id)
        if bill_type in PAYABLE_ONLINE:
            typed = typed_identifier(tracker, bill_type)
            if typed:
                known[bill_type] = typed
            elif bill_type not in known:
                row = BILL_TYPES[bill_type]
                dispatcher.utter_message(
                    text=f"要交{row.name}，请连户号一起发给我，比如“交{row.name} "
                    f"{row.identifier_hint.rsplit('如 ', 1)[-1]}”。{PAY_ELSEWHERE}"
                )
                return [SlotSet("bill_type", bill_type)]
        types = [bill_type] if bill_type in PAYABLE_ONLINE else [t for t in PAYABLE_ONLINE if t in known]
        lines: list[str] = []
        for payable in types:
            try:
                account, unpaid = await unpaid_bills(payable, known[payable])
            except WrongAccount as wrong:
                if bill_type == payable:
                    dispatcher.utter_message(text=wrong.message)
                    return []
                continue
            except DepartmentError as error:
                dispatcher.utter_message(text=busy_message(error.department))
                return []
            for bill in unpaid:
                line = f"{BILL_TYPES[payable].name} {bill.period}：{money(bill.amount)}"
                lines.append(line + await payment_link(account, bill.period, bill.amount, tracker.sender_id))
        if lines:
            dispatcher.utter_message(text="待缴账单：\n" + "\n".join(lines) + "\n" + PAY_ELSEWHERE)
        elif types:
            dispatcher.utter_message(text="您没有待缴的账单。")
        else:
            dispatcher.utter_message(
                text="要交哪一项？请连户号一起发给我，比如“交水费 3100012345”。\n" + PAY_ELSEWHERE
            )
        return []


async def payment_link(account: UtilityAccount, period: str, amount: float, sender: str) -> str:
    """ "，支付宝缴费：<link>" for one bill, or nothing when Alipay payment is not set up here or
    cannot make an order now (the general payment hint follows either way)."""
    bill = PayableBill(account.bill_type, account.account_number, period, amount)
    try:
        link = await create_payment_order(bill, sender)
    except PaymentUnavailable:
        return ""
    except PaymentError as error:
        logger.warning("no payment link for %s %s: %s", mask_account(account.account_number), period, error)
        return ""
    return "（已缴清）" if link.already_paid else f"，支付宝缴费：{link.url}"
