"""A normal conversation leaves no ERROR line in Rasa's or the action server's log, and no
reply doubles a word ("12345热线工单系统系统繁忙")."""

from __future__ import annotations

import pytest

from scripts.stack import Stack
from tests.e2e.conversations import assert_clean_conversation

pytestmark = pytest.mark.e2e
CONVERSATION = (
    "你好",
    "查账单",
    "1",
    "3100012345",
    "身份证丢了怎么补办",
    "我要投诉",
    "算了",
    "我的预约",
    "算了",
    "谢谢",
)


def test_a_normal_conversation_logs_no_error_and_doubles_no_word(stack: Stack) -> None:
    assert_clean_conversation(stack, CONVERSATION)
