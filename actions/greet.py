"""Greeting that recognises a citizen the city already knows from their channel account."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from departments.base import DepartmentError
from departments.registry import departments

logger = logging.getLogger(__name__)
ASSISTANT = "我是示例市市民服务助手。"


def polite_address(name: str, id_number: str) -> str:
    """ "张先生" / "李女士": the 17th digit of a resident id is odd for men, even for women."""
    if len(id_number) == 18 and id_number[16].isdigit():
        return name[0] + ("先生" if int(id_number[16]) % 2 else "女士")
    return name[0] + "先生/女士"


async def greeting(sender_id: str) -> str:
    """The greeting, by name when the channel user is linked to a citizen; said by the greeting
    rule and, in the middle of a form, before the form's question (actions.forms)."""
    try:
        citizen = await departments().population.find_by_channel_user(sender_id)
    except DepartmentError as error:
        logger.warning("greeting without a name: %s", error)
        citizen = None
    if citizen is None:
        return f"您好！{ASSISTANT}"
    return f"{polite_address(citizen.name, citizen.id_number)}，您好！{ASSISTANT}"


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=await greeting(tracker.sender_id))
        return []
