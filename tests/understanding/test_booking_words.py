"""Booking requests the NLU may misread as guide questions, told apart from questions."""

from __future__ import annotations

from datetime import date

import pytest

from understanding.appointments import asks_to_book

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    "text",
    [
        "下周一去政务中心办个户口的事",
        "想去大厅约个号办营业执照",
        "约政务服务中心办居住证",
        "后天要去大厅办护照",
        "帮我约市立医院内科",
        "我要去政务大厅办社保卡",
    ],
)
def test_booking_requests(text: str) -> None:
    assert asks_to_book(text, TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "去政务大厅要预约吗",
        "怎么预约政务大厅",
        "明天去政务大厅办护照要带啥",
        "去大厅办护照",
        "办护照要带什么",
        "预约定金能退吗",
        "约会",
        "我约的号是哪天",
    ],
)
def test_questions_and_other_words(text: str) -> None:
    assert not asks_to_book(text, TODAY)
