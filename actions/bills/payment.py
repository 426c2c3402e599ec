"""Paying a bill: what is owed, with an Alipay payment link per unpaid utility bill where the
Alipay channel is configured, else how to pay elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.bills.accounts import BILL_TYPE_NAMES, UTILITY_TYPES, known_accounts
from actions.bills.lookup import WrongAccount, fetch_record
from actions.bills.query import busy_message
from actions.bills.replies import PAY_HINT, money
from actions.clients.base import DepartmentError
from actions.clients.utility import UtilityAccount
from actions.forms import latest_entity_values
from common.masking import mask_account
from integrations.alipay.payments import PayableBill, PaymentError, PaymentUnavailable, create_payment_order

logger = logging.getLogger(__name__)

TRAFFIC_PAY_HINT = "交通罚款请用“交管12123”App缴纳，或到银行、交警窗口缴纳。"


class ActionPayBill(Action):
    def name(self) -> str:
        return "action_pay_bill"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        named = latest_entity_values(tracker, "bill_type")
        bill_type = named[-1] if named else tracker.get_slot("bill_type")
        if bill_type == "traffic_fine":
            dispatcher.utter_message(text=TRAFFIC_PAY_HINT)
            return []
        known = await known_accounts(tracker.sender_id)
        types = [bill_type] if bill_type in UTILITY_TYPES else [t for t in UTILITY_TYPES if t in known]
        lines: list[str] = []
        for utility in types:
            if utility not in known:
                continue
            try:
                record = await fetch_record(utility, known[utility])
            except WrongAccount:
                continue
            except DepartmentError as error:
                dispatcher.utter_message(text=busy_message(error.department))
                return []
            assert isinstance(record, UtilityAccount)
            for bill in record.bills:
                if bill.status != "paid":
                    line = f"{BILL_TYPE_NAMES[utility]} {bill.period}：{money(bill.amount)}"
                    lines.append(
                        line + await payment_link(record, bill.period, bill.amount, tracker.sender_id)
                    )
        if lines:
            dispatcher.utter_message(text="待缴账单：\n" + "\n".join(lines) + "\n" + PAY_HINT)
        elif types:
            dispatcher.utter_message(text="您没有待缴的账单。")
        else:
            dispatcher.utter_message(
                text="先告诉我要交哪种费用和户号，比如“查水费 3100012345”，我帮您看看欠多少。\n" + PAY_HINT
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
