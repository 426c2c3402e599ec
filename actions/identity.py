"""Verifying who the citizen is before a personal record is shown.

An action that needs a verified citizen and has none calls `begin_verification`: it remembers
what was asked (`verification_request`, JSON), starts `verification_form` (which asks for the
person's id number or phone, sends a one-time code to the phone the population registry holds,
then asks for the code), and `action_verification_done` answers the remembered request once
the code is right. Linked WeChat/Alipay users never get here: the platform vouches for them; an
Alipay user may also follow the step's link to Alipay's user-info authorisation instead.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form_stack import resume_interrupted
from actions.forms import (
    STOP_HINT,
    ValidationBase,
    is_side_question,
    just_rejected,
    latest_entity_values,
    latest_text,
)
from common.masking import mask_name
from departments.base import DepartmentError
from departments.identity import OwnRecords, code_in, identity, normalise_subject, own_records
from integrations.alipay.user_auth import authorisation_link

logger = logging.getLogger(__name__)
REQUEST_SLOT = "verification_request"
BUSY = "身份核验系统繁忙，暂时不能验证。请稍后再试，或拨打12345。"
WHY = "{what}属于个人信息，需要先验证您的身份。"
ASK_SUBJECT = "请发本人的身份证号（或在政务系统登记的手机号），验证码会发到登记的手机上。"
THROTTLED = "验证码发送太频繁了，请1分钟后再发一次号码。"
NOT_A_SUBJECT = "请发18位身份证号或11位手机号。"
NOT_A_CODE = "验证码是短信里的6位数字，请再发一次。"
# Answers that leave the verification to a rule ("算了" stops it, "转人工" hands over) rather
# than being read as a wrong number or code.
LEAVING_INTENTS = frozenset({"deny", "human_handoff", "goodbye"})
WRONG = "验证码不对，还可以再试{remaining}次。"
VOID = "验证码错误次数太多，已作废。如需继续，请重新发身份证号或手机号获取新的验证码。"
EXPIRED = "验证码已过期或已作废，请重新发身份证号或手机号获取新的验证码。"
BY_ALIPAY = "也可以点这个链接，用支付宝实名信息授权验证（10分钟内有效）："
# Requests answered in full once verified, after which a form the verification interrupted is
# taken up again; a cancellation or a rating asks one more question first (and resumes after).
ANSWERED_AT_ONCE = frozenset({"bill", "list_appointments", "complaints"})


async def verified_records(sender_id: str) -> OwnRecords | None:
    """The own records of the citizen this channel user is verified as; None when anonymous.
    Raises DepartmentError when the registry cannot answer now."""
    citizen = await identity().verified_citizen(sender_id)
    return await own_records(citizen) if citizen is not None else None


async def begin_verification(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    request: dict[str, Any],
    what: str,
    subject: str | None = None,
) -> list[dict[str, Any]]:
    """Answers with the verification step instead of the record. A subject the citizen already
    typed (the id number of "查社保 3710...", the phone of "我的预约 139...") gets its code at
    once; else the form asks for one."""
    dispatcher.utter_message(text=WHY.format(what=what))
    link = await authorisation_link(tracker.sender_id)
    if link:
        dispatcher.utter_message(text=f"{BY_ALIPAY}{link}")
    events: list[dict[str, Any]] = [
        SlotSet(REQUEST_SLOT, json.dumps(request, ensure_ascii=False)),
        SlotSet("verification_code", None),
        SlotSet("verification_subject", None),
    ]
    if subject:
        try:
            status = await identity().start(tracker.sender_id, subject)
        except DepartmentError as error:
            logger.warning("verification code not sent: %s", error)
            dispatcher.utter_message(text=BUSY)
            return [SlotSet(REQUEST_SLOT, None)]
        if status == "throttled":
            dispatcher.utter_message(text=THROTTLED)
        else:
            dispatcher.utter_message(text=identity().sent_reply())
            events[-1] = SlotSet("verification_subject", subject)
    return [*events, FollowupAction("verification_form")]


def refuse_other_person(dispatcher: CollectingDispatcher, records: OwnRecords, what: str) -> None:
    dispatcher.utter_message(
        text=f"您已验证为{mask_name(records.citizen.name)}，只能查询本人的{what}，不能查别人的。"
    )


def leaves_the_form(tracker: Tracker) -> bool:
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return is_side_question(tracker) or intent in LEAVING_INTENTS


class ValidateVerificationForm(ValidationBase):
    def name(self) -> str:
        return "validate_verification_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Nothing left to ask once the platform vouched for the user between two messages
        (Alipay's authorisation page): the form ends and the remembered request is answered."""
        try:
            if await identity().verified_citizen(tracker.sender_id) is not None:
                return []
        except DepartmentError as error:
            logger.warning("verification state unknown: %s", error)
        return domain_slots

    async def extract_verification_subject(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "verification_subject":
            return {}
        if normalise_subject(latest_text(tracker)) is None and leaves_the_form(tracker):
            return {}
        typed = [*latest_entity_values(tracker, "id_number"), *latest_entity_values(tracker, "phone")]
        return {"verification_subject": normalise_subject(" ".join(typed)) or latest_text(tracker) or None}

    async def extract_verification_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "verification_code":
            return {}
        text = latest_text(tracker)
        if code_in(text) is None and leaves_the_form(tracker):
            return {}  # answered by its rule; the form then asks for the code again
        return {"verification_code": text or None}

    async def validate_verification_subject(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if slot_value is None:
            return {}  # emptied by begin_verification this turn: nothing was answered yet
        subject = normalise_subject(str(slot_value))
        if subject is None:
            return self.reject(dispatcher, "verification_subject", NOT_A_SUBJECT)
        try:
            status = await identity().start(tracker.sender_id, subject)
        except DepartmentError as error:
            logger.warning("verification code not sent: %s", error)
            return self.reject(dispatcher, "verification_subject", BUSY)
        if status == "throttled":
            return self.reject(dispatcher, "verification_subject", THROTTLED)
        if status == "sent":
            dispatcher.utter_message(text=identity().sent_reply())
        return {"verification_subject": subject}

    async def validate_verification_code(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if slot_value is None:
            return {}
        if slot_value == "verified":
            return {"verification_code": "verified"}
        code = code_in(str(slot_value))
        if code is None:
            return self.reject(dispatcher, "verification_code", NOT_A_CODE)
        try:
            result = await identity().check(tracker.sender_id, code)
        except DepartmentError as error:
            logger.warning("verification check failed: %s", error)
            return self.reject(dispatcher, "verification_code", BUSY)
        if result.status == "verified":
            return {"verification_code": "verified"}
        if result.status == "wrong":
            return self.reject(dispatcher, "verification_code", WRONG.format(remaining=result.remaining))
        dispatcher.utter_message(text=(VOID if result.status == "void" else EXPIRED) + STOP_HINT)
        return {"verification_code": None, "verification_subject": None}


class ActionAskVerificationSubject(Action):
    def name(self) -> str:
        return "action_ask_verification_subject"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if not just_rejected(tracker):
            dispatcher.utter_message(text=ASK_SUBJECT + STOP_HINT)
        return []


class ActionAskVerificationCode(Action):
    def name(self) -> str:
        return "action_ask_verification_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if not just_rejected(tracker):
            dispatcher.utter_message(text="请回复短信里的6位验证码。" + STOP_HINT)
        return []


class ActionVerificationDone(Action):
    """The code was right: say so, then answer what was asked before the verification."""

    def name(self) -> str:
        return "action_verification_done"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        from actions.resume import resume_request  # the topic actions import this module

        reset = [
            SlotSet(REQUEST_SLOT, None),
            SlotSet("verification_subject", None),
            SlotSet("verification_code", None),
        ]
        try:
            records = await verified_records(tracker.sender_id)
        except DepartmentError as error:
            logger.warning("verified citizen unavailable: %s", error)
            dispatcher.utter_message(text=BUSY)
            return reset
        if records is None:
            dispatcher.utter_message(text=EXPIRED)
            return reset
        hours = identity().settings.verification_hours
        dispatcher.utter_message(
            text=f"身份验证成功，{mask_name(records.citizen.name)}，您好。{hours:g}小时内查询本人信息不用再验证。"
        )
        raw = tracker.get_slot(REQUEST_SLOT)
        try:
            request = json.loads(raw) if raw else {}
        except ValueError:
            request = {}
        events = await resume_request(dispatcher, tracker, request, records)
        if request.get("kind") in ANSWERED_AT_ONCE:
            events += resume_interrupted(dispatcher, tracker)
        return [*reset, *events]
