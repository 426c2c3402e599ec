"""Rendering an entry, whole or one part of a guide, and recognising the part a citizen asks about."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.answers import aspect_of, halls_by_id, render_entry
from knowledge_base.catalog import Entry, Guide

GUIDE = Guide(
    materials=("居民户口簿", "近期免冠照片"),
    steps=("取号", "拍照采集指纹", "缴费"),
    where="市政务服务中心公安窗口",
    hours="周一至周五 9:00-17:00",
    fee="20元",
    time_limit="20个工作日",
    online="“爱山东”App 可预约",
    halls=("G01",),
)
ENTRY = Entry(
    id="id_card.apply_first",
    kind="guide",
    question="如何首次申领居民身份证",
    answer="带户口簿到派出所办理，工本费20元。",
    theme="证照",
    source=Path("test.yml"),
    guide=GUIDE,
)
FAQ = Entry(
    id="hotline.service_hours",
    kind="faq",
    question="12345几点能打通",
    answer="12345热线全天24小时有人接听。",
    theme="热线",
    source=Path("test.yml"),
)


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("要带什么", "materials"),
        ("需要什么材料？", "materials"),
        ("多少钱", "fee"),
        ("收费吗", "fee"),
        ("在哪办", "where"),
        ("地址在哪儿", "where"),
        ("几点上班", "hours"),
        ("什么时候开门", "hours"),
        ("周六能办吗", "hours"),
        ("多久能拿到", "time_limit"),
        ("要几天", "time_limit"),
        ("什么时候能拿到证", "time_limit"),
        ("怎么办", "steps"),
        ("流程是什么", "steps"),
        ("网上能办吗", "online"),
        ("手机上能不能办", "online"),
        ("网上能办吗？要带什么", "online"),
        ("谁可以办", "who"),
        ("好的谢谢", None),
        ("", None),
    ],
)
def test_aspect_of_recognises_sub_questions(text: str, aspect: str | None) -> None:
    assert aspect_of(text) == aspect


def test_no_aspect_gives_the_short_answer() -> None:
    assert render_entry(ENTRY, None) == ENTRY.answer


def test_materials_and_steps_are_numbered_lists() -> None:
    assert (
        render_entry(ENTRY, "materials")
        == "「如何首次申领居民身份证」需要准备：\n1. 居民户口簿\n2. 近期免冠照片"
    )
    assert render_entry(ENTRY, "steps").endswith("\n1. 取号\n2. 拍照采集指纹\n3. 缴费")


def test_where_resolves_hall_ids_to_name_address_and_hours() -> None:
    """The hall facts come from the knowledge base's own content/halls.yml."""
    hall = halls_by_id()["G01"]
    text = render_entry(ENTRY, "where")
    assert text.startswith("「如何首次申领居民身份证」的办理地点：市政务服务中心公安窗口")
    assert f"1. {hall.name}，{hall.address}，{hall.hours}" in text


@pytest.mark.parametrize(
    ("aspect", "part"),
    [("hours", "周一至周五 9:00-17:00"), ("fee", "20元"), ("time_limit", "20个工作日"), ("online", "爱山东")],
)
def test_single_parts(aspect: str, part: str) -> None:
    text = render_entry(ENTRY, aspect)
    assert part in text
    assert ENTRY.answer not in text


def test_missing_parts_and_faqs_fall_back_to_the_short_answer() -> None:
    assert render_entry(ENTRY, "who") == ENTRY.answer  # this guide names nobody
    assert render_entry(FAQ, "fee") == FAQ.answer
