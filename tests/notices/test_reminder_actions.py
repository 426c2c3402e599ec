"""Subscribing in conversation, run as Rasa runs the actions after the NLU, on a served sandbox
and a throwaway assistant database: fines can be subscribed to like bills ("罚单快到期提醒我"),
for the plate the city links to the citizen, and "我的提醒" names the plate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.reminders.listing import ActionListNotices
from actions.reminders.subscribe import ActionSubscribeNotice
from departments.bindings import binding_store
from departments.registry import Departments
from notices.subscriptions import BILL, subscription_store

ZHANG_WEI = "wechat:oDemoZhangWei0001"  # linked to 张伟, whose car is 鲁K·A1234


@pytest.fixture
def stores(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    for cached in (subscription_store, binding_store):
        cached.cache_clear()
    yield
    for cached in (subscription_store, binding_store):
        cached.cache_clear()


def _tracker(sender: str, text: str, intent: str) -> Tracker:
    return Tracker(
        sender_id=sender,
        slots={},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
        events=[{"event": "user", "text": text}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def _say(action: Action, sender: str, text: str, intent: str) -> str:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, _tracker(sender, text, intent), {})
    return "\n".join(str(message.get("text") or "") for message in dispatcher.messages)


async def test_a_citizen_subscribes_to_fines_for_their_linked_plate(
    stores: None, departments_on_sandbox: Departments
) -> None:
    answer = await _say(ActionSubscribeNotice(), ZHANG_WEI, "罚单快到期提醒我", "subscribe_notice")
    assert "车牌 鲁K·A1234" in answer and "缴款期限" in answer and "退订交通违章提醒" in answer, answer
    [row] = [row for row in await subscription_store().of(ZHANG_WEI) if row.topic == BILL]
    assert (row.bill_type, row.account, row.enabled) == ("traffic_fine", "鲁K·A1234", True)
    listing = await _say(ActionListNotices(), ZHANG_WEI, "我的提醒", "list_notices")
    assert "交通违章提醒：开（车牌 鲁K·A1234）" in listing, listing


async def test_an_anonymous_citizen_is_asked_for_the_plate_first(
    stores: None, departments_on_sandbox: Departments
) -> None:
    answer = await _say(
        ActionSubscribeNotice(), "web:anonymous-driver", "违章快到期提醒我", "subscribe_notice"
    )
    assert "要提醒哪个车牌" in answer and "车牌号" in answer, answer
    assert await subscription_store().of("web:anonymous-driver") == []
