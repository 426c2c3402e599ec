"""What reaches Rasa: the citizen's text read once by the shared normalisation, payloads as sent."""

from __future__ import annotations

from typing import Any

import pytest

from bot.rasa_brain import RasaBrain
from common.store import MemoryStore


class RecordingRasa:
    def __init__(self) -> None:
        self.received: list[str] = []

    async def send_message(self, sender: str, message: str) -> list[dict[str, Any]]:
        self.received.append(message)
        return [{"text": "好的"}]


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("查水费３１０００１２３４５", "查水费 3100012345"),
        ("户号3100012345九月份水费多少", "户号 3100012345 九月份水费多少"),
        ("手机号幺三八零五三一零零零一", "手机号 13805310001"),
        ("电话 138 0531 0001", "电话 13805310001"),
        ("帮我check一下electricity bill 0531880002", "帮我查一下电费 0531880002"),
        ("投诉\x00噪音\u200b扰民", "投诉噪音扰民"),
    ],
)
async def test_typed_numbers_reach_rasa_in_one_form(typed: str, sent: str) -> None:
    rasa = RecordingRasa()
    await RasaBrain(rasa, MemoryStore()).respond("web:1", typed)  # type: ignore[arg-type]
    assert rasa.received == [sent]


async def test_a_full_width_choice_picks_the_offered_button() -> None:
    rasa = RecordingRasa()
    store = MemoryStore()
    await store.set("buttons:web:1", '[{"title": "水费", "payload": "/inform{\\"bill_type\\":\\"water\\"}"}]')
    await RasaBrain(rasa, store).respond("web:1", "１")  # type: ignore[arg-type]
    assert rasa.received == ['/inform{"bill_type":"water"}']
