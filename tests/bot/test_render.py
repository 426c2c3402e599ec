from __future__ import annotations

import pytest

from bot.rasa_brain import normalise_messages, strip_unoffered_payload
from bot.render import choice_payload, parse_choice, render_as_text

MENU = [{"title": "查账单", "payload": "/query_bill"}, {"title": "转人工", "payload": "/human_handoff"}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        (" 2 ", 2),
        ("２", 2),
        ("第二个", 2),
        ("选3", 3),
        ("第三项", 3),
        ("②", 2),
        ("10", 10),
        ("查水费", None),
        ("12345", None),
        ("", None),
        ("1和2", None),
    ],
)
def test_parse_choice(text: str, expected: int | None) -> None:
    assert parse_choice(text) == expected


def test_choice_payload_maps_only_offered_numbers() -> None:
    assert choice_payload("2", MENU) == "/human_handoff"
    assert choice_payload("3", MENU) is None
    assert choice_payload("1", []) is None


def test_render_as_text_numbers_buttons_and_truncates() -> None:
    text = render_as_text([{"text": "请选择："}, {"text": "菜单", "buttons": MENU}])
    assert text == "请选择：\n\n菜单\n1. 查账单\n2. 转人工\n请回复数字选择。"
    assert len(render_as_text([{"text": "字" * 5000}], max_chars=100)) == 100


def test_unoffered_payloads_become_plain_text() -> None:
    assert strip_unoffered_payload('/human_handoff{"phone": "1"}', MENU) == 'human_handoff{"phone": "1"}'
    assert strip_unoffered_payload("/query_bill", MENU) == "/query_bill"
    assert strip_unoffered_payload("查水费", MENU) == "查水费"


def test_custom_data_rejoins_the_text_rasa_sent_it_with() -> None:
    raw = [
        {"recipient_id": "u", "text": "护照全国通办"},
        {"recipient_id": "u", "custom": {"kb_id": "passport.apply"}},
        {"recipient_id": "u", "custom": {"other": 1}},
    ]
    assert normalise_messages(raw) == [
        {"text": "护照全国通办", "custom": {"kb_id": "passport.apply"}},
        {"custom": {"other": 1}},
    ]


@pytest.mark.parametrize("text", ["第二个", "第2个", "选第二个", "第二项"])
def test_ordinal_words_pick_the_second_button(text: str) -> None:
    assert choice_payload(text, MENU) == "/human_handoff"
