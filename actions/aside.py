"""A side question in the middle of a form, answered in one message so the form resumes where
it was (Rasa's unhappy path) instead of being dropped for another form."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.bills.form import typed_identifier
from actions.bills.query import busy_message, inferred_bill_type
from actions.forms import latest_entity_values
from common.time_words import city_today
from departments.accounts import known_accounts
from departments.base import DepartmentError
from departments.bill_types import BILL_TYPES
from departments.bills import WrongAccount, bill_answer
from departments.identity import is_personal

logger = logging.getLogger(__name__)
LATER = "我们先把手上这件事办完，之后说“{ask}”就行。"


class ActionAnswerAside(Action):
    def name(self) -> str:
        return "action_answer_aside"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=await self._bill_aside(tracker))
        return []

    @staticmethod
    async def _bill_aside(tracker: Tracker) -> str:
        """The bill when the message names it and its number is typed or known; otherwise how
        to ask for it once the form is done."""
        named = latest_entity_values(tracker, "bill_type")
        bill_type = named[-1] if named else inferred_bill_type(tracker)
        if bill_type not in BILL_TYPES:
            return LATER.format(ask="查账单")
        row = BILL_TYPES[bill_type]
        known = (await known_accounts(tracker.sender_id)).get(bill_type)
        typed = typed_identifier(tracker, bill_type)
        if is_personal(bill_type) and (known is None or (typed and typed != known)):
            return f"{row.name}属于个人信息，要先验证身份。" + LATER.format(ask=f"查{row.name}")
        identifier = typed or known
        if not identifier or row.identifier_problem(identifier):
            return f"查{row.name}要用{row.identifier_name}。" + LATER.format(ask=f"查{row.name}")
        try:
            return await bill_answer(bill_type, identifier, None, city_today())
        except WrongAccount as wrong:
            return wrong.message
        except DepartmentError as error:
            logger.warning("side bill query failed: %s", error)
            return busy_message(error.department)
