"""A normal conversation leaves no ERROR line in Rasa's or the action server's log, and no
reply doubles a word ("12345热线工单系统系统繁忙")."""

from __future__ import annotations

import re

import pytest

from scripts.stack import Stack
from tests.e2e.chat import WebCitizen

pytestmark = pytest.mark.e2e
DOUBLED = re.compile(r"(系统){2}|(的){2}|(了){2}")
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
    logs = {name: stack.log_dir / f"{name}.log" for name in ("rasa", "actions")}
    before = {name: path.stat().st_size if path.exists() else 0 for name, path in logs.items()}
    citizen = WebCitizen(stack.gateway_url)
    for message in CONVERSATION:
        reply = citizen.say_text(message)
        assert reply.strip(), f"empty reply to {message!r}"
        assert not DOUBLED.search(reply), reply
    for name, path in logs.items():
        if not path.exists():
            continue
        with path.open("rb") as log:
            log.seek(before[name])
            written = log.read().decode("utf-8", "replace")
        errors = [line for line in written.splitlines() if " ERROR " in line or line.startswith("ERROR")]
        assert not errors, f"{name}.log: {errors[:3]}"
