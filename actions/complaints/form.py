"""The complaint form: what happened, where, how to reach the citizen (or "匿名"), and the
category inferred from their words, confirmed before the ticket is filed.

As in the appointment form, extraction returns only what the latest message changed, so
an off-topic question leaves the form to a rule and the question is asked again after.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointments.asking import FixedQuestion
from actions.appointments.form import QUESTION_WORDS, changed, is_interruption, set_this_turn
from actions.bills.query import busy_message
from actions.complaints import replies
from actions.forms import (
    STOP_HINT,
    ValidationBase,
    intent_of,
    latest_entity_values,
    latest_text,
    phone_from_nlu,
)
from common.identity import is_valid_phone
from common.settings import load_settings
from departments.base import DepartmentError
from departments.complaints import ComplaintCategory
from departments.registry import departments
from understanding.appointments import corrected_part, typed_phone
from understanding.complaint_categories import rank_categories
from understanding.complaints import (
    another_matter,
    complaint_words,
    description_of,
    location_of,
    place_in_answer,
    wants_anonymity,
)
from understanding.switching import request_after_stop

logger = logging.getLogger(__name__)
PLACE_CHARACTER = re.compile(r"[\u4e00-\u9fa5]")
ADDRESS_WORD = re.compile(r"[区路街巷号村镇楼栋]|小区|社区|大道|胡同")
FORM_SLOTS = (
    "complaint_description",
    "complaint_location",
    "complaint_contact",
    "complaint_category",
    "complaint_confirmed",
)


def interrupts(tracker: Tracker, slot: str) -> bool:
    """The latest message answers no question of the form: another intent, unless it is a new
    complaint (also when read as the stop before it: "算了，我要投诉另一个事：…") or an answer to
    `slot`'s question the NLU declined as off-topic ("菜市场门口天天堵车" when asked what happened; a
    question of its own, "今天天气怎么样", still interrupts)."""
    if not is_interruption(tracker) or intent_of(tracker) == "file_complaint":
        return False
    words = request_after_stop(latest_text(tracker))
    if words is not None and another_matter(words, load_settings().forms.text_min_chars):
        return False
    if tracker.get_slot("requested_slot") == slot and intent_of(tracker) == "out_of_scope":
        text = latest_text(tracker)
        return text.startswith("/") or any(word in text for word in QUESTION_WORDS)
    return True


async def categories_or_none() -> list[ComplaintCategory] | None:
    try:
        return await departments().complaints.categories()
    except DepartmentError as error:
        logger.warning("complaint categories unavailable: %s", error)
        return None


class ValidateComplaintForm(ValidationBase):
    def name(self) -> str:
        return "validate_complaint_form"

    def extract_complaint_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if interrupts(tracker, "complaint_description"):
            return {}
        text = latest_text(tracker)
        if tracker.get_slot("requested_slot") == "complaint_description":
            return changed(tracker, "complaint_description", text or None)
        if tracker.get_slot("complaint_description") is None and not text.startswith("/"):
            words = complaint_words(text, self.limits.text_min_chars)
            return changed(
                tracker, "complaint_description", description_of(words, self.limits.text_min_chars)
            )
        return {}

    async def validate_complaint_description(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A new description also gives the best-guess category, which the citizen confirms."""
        if slot_value is None:
            return {}
        text = str(slot_value).strip()
        if len(text) < self.limits.text_min_chars:
            return self.reject(dispatcher, "complaint_description", "请再多说几句：发生了什么事？")
        if len(text) > self.limits.text_max_chars:
            text = text[: self.limits.text_max_chars]
        districts = latest_entity_values(tracker, "district")
        result: dict[str, Any] = {"complaint_description": text, "complaint_confirmed": None}
        if not tracker.get_slot("complaint_location"):
            result["complaint_location"] = location_of(text, districts)
        if tracker.get_slot("complaint_category") is None or not set_this_turn(tracker, "complaint_category"):
            tagged = latest_entity_values(tracker, "complaint_category")
            ranked = rank_categories(text, await categories_or_none() or [], tagged)
            result["complaint_category"] = ranked[0].category if ranked else None
        return result

    def extract_complaint_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "where" is the place, even when it reads like a complaint of its own;
        at the confirmation, a corrected address ("不对，应该是文化中路90号") replaces it."""
        if tracker.get_slot("requested_slot") == "complaint_confirmed":
            corrected = corrected_part(latest_text(tracker)) or ""
            place = ADDRESS_WORD.search(corrected) and not typed_phone(corrected, False)
            return changed(tracker, "complaint_location", corrected if place else None)
        if tracker.get_slot("requested_slot") != "complaint_location":
            return {}
        if interrupts(tracker, "complaint_location"):
            return {}
        text = place_in_answer(latest_text(tracker))
        return changed(tracker, "complaint_location", text if len(text) >= 2 else None)

    def validate_complaint_location(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A number alone ("12345", a phone) is no place a department can go to."""
        if slot_value is None:
            return {}
        if not PLACE_CHARACTER.search(str(slot_value)):
            return self.reject(
                dispatcher,
                "complaint_location",
                "请说一下在哪里：哪个区、哪条路或哪个小区，比如“环翠区文化中路88号”。",
            )
        return {"complaint_location": slot_value, "complaint_confirmed": None}

    def extract_complaint_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if is_interruption(tracker) and intent_of(tracker) != "file_complaint":
            return {}
        text = latest_text(tracker)
        if wants_anonymity(text):
            return changed(tracker, "complaint_contact", replies.ANONYMOUS)
        asked = tracker.get_slot("requested_slot") == "complaint_contact"
        return changed(
            tracker, "complaint_contact", typed_phone(text, asked) or phone_from_nlu(tracker, asked)
        )

    def validate_complaint_contact(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if slot_value is None:
            return {}
        if slot_value == replies.ANONYMOUS or is_valid_phone(str(slot_value)):
            return {"complaint_contact": slot_value, "complaint_confirmed": None}
        return self.reject(
            dispatcher, "complaint_contact", "手机号格式不对，应为11位手机号；不想留请回复“匿名”。"
        )

    def extract_complaint_category(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A category chosen from the buttons counts as confirmed; "都不对" lists them all."""
        chosen = latest_entity_values(tracker, "complaint_category")
        if not chosen or tracker.get_slot("requested_slot") not in (
            "complaint_category",
            "complaint_confirmed",
        ):
            return {}
        if chosen[0] == replies.OTHER_CATEGORY:
            return {"complaint_category": None, "complaint_confirmed": None}
        return {"complaint_category": chosen[0], "complaint_confirmed": True}

    async def validate_complaint_category(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if slot_value is None:
            return {}
        categories = await categories_or_none()
        if categories is None or slot_value in {c.category for c in categories}:
            return {"complaint_category": slot_value}
        return {"complaint_category": None}

    def extract_complaint_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        asked = tracker.get_slot("requested_slot") == "complaint_confirmed"
        return {"complaint_confirmed": True} if asked and intent_of(tracker) == "affirm" else {}


class ActionAskComplaintCategory(Action):
    def name(self) -> str:
        return "action_ask_complaint_category"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        categories = await categories_or_none()
        if not categories:
            dispatcher.utter_message(text=busy_message("12345工单系统").replace("查不到", "提交不了"))
            return [SlotSet("requested_slot", None)]
        dispatcher.utter_message(
            text=f"这件事属于哪一类？请回复数字：{STOP_HINT}", buttons=replies.category_buttons(categories)
        )
        return []


class ActionAskComplaintConfirmed(Action):
    """Everything in one message with the inferred category, and the next-best categories
    as numbered alternatives."""

    def name(self) -> str:
        return "action_ask_complaint_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        categories = await categories_or_none() or []
        by_id = {category.category: category for category in categories}
        chosen = by_id.get(tracker.get_slot("complaint_category"))
        if chosen is None:
            dispatcher.utter_message(text=busy_message("12345工单系统").replace("查不到", "提交不了"))
            return []
        description = tracker.get_slot("complaint_description")
        ranked = [c for c in rank_categories(description, categories) if c.category != chosen.category]
        contact = replies.contact_label(tracker.get_slot("complaint_contact"), None)
        dispatcher.utter_message(
            text=replies.confirm_text(description, tracker.get_slot("complaint_location"), contact, chosen),
            buttons=replies.confirm_buttons(ranked),
        )
        return []


class ActionAskComplaintDescription(FixedQuestion):
    action_name = "action_ask_complaint_description"
    text = f"请说说发生了什么事，越具体越好，如“楼下烧烤店油烟太大，每天晚上都熏”。{STOP_HINT}"


class ActionAskComplaintLocation(FixedQuestion):
    action_name = "action_ask_complaint_location"
    text = "问题发生在哪里？请说区、街道或小区，如“环翠区文化中路88号”。"


class ActionAskComplaintContact(FixedQuestion):
    action_name = "action_ask_complaint_contact"
    text = "请留个手机号，方便部门联系您、回复处理结果；不想留请回复数字 1（匿名）。"
    buttons: ClassVar[list[dict[str, str]]] = [{"title": "匿名", "payload": "匿名"}]
