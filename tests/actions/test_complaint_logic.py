"""The pure parts of the complaint dialogue: is there a description, where, which category,
which score, and what the citizen reads."""

from __future__ import annotations

import json

import pytest

from actions.complaints import replies
from departments.base import idempotency_key
from departments.complaints import ComplaintCategory, Ticket, TicketEvent
from understanding.complaint_categories import rank_categories
from understanding.complaints import (
    complaint_words,
    description_of,
    location_of,
    rating_of,
    ticket_of,
    wants_anonymity,
)

CATEGORIES = [
    ComplaintCategory(
        "urban_construction",
        "城乡建设",
        "市住房和城乡建设局",
        ["物业管理", "小区违建", "道路破损", "噪音施工"],
    ),
    ComplaintCategory(
        "environment", "环境保护", "市生态环境局", ["油烟扰民", "污水排放", "垃圾焚烧", "异味"]
    ),
    ComplaintCategory(
        "transport", "交通运输", "市交通运输局", ["公交线路", "出租车拒载", "道路拥堵", "停车"]
    ),
    ComplaintCategory(
        "labor_social_security", "劳动和社会保障", "市人社局", ["拖欠工资", "社保缴纳", "劳动合同"]
    ),
    ComplaintCategory("water_supply", "供水", "示例市供水集团", ["停水", "水质", "水压低", "水表"]),
    ComplaintCategory("power_supply", "供电", "国网示例市供电公司", ["停电", "电压不稳", "电表"]),
]


def ticket(status: str = "已办结", satisfaction: int | None = None) -> Ticket:
    return Ticket(
        ticket_id="12345-20261020-0042",
        category="water_supply",
        category_name="供水",
        department="示例市供水集团",
        title="龙山路小区水压低",
        location=None,
        status=status,
        created_at="2026-10-20T08:02:00+08:00",
        satisfaction=satisfaction,
        history=[
            TicketEvent("2026-10-20T08:02:00+08:00", "已受理", None),
            TicketEvent("2026-10-22T16:40:00+08:00", "已办结", "已更换小区二次加压泵"),
        ],
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("楼下烧烤店油烟太大了", "environment"),
        ("楼下饭店油烟扰民，天天熏得没法开窗", "environment"),
        # Night construction noise is an environmental-protection matter in 12345 dispatch.
        ("工地半夜还在干活，吵得睡不着", "environment"),
        ("小区物业不作为，电梯坏了一个月", "urban_construction"),
        ("刚才打车被拒载了", "transport"),
        ("公司拖欠工资三个月了", "labor_social_security"),
        ("家里停水一天了", "water_supply"),
        ("我们这片停电好几个小时了", "power_supply"),
    ],
)
def test_best_category_from_the_citizens_words(text: str, expected: str) -> None:
    assert rank_categories(text, CATEGORIES)[0].category == expected


def test_every_complaint_gets_a_ranking_and_an_nlu_tag_lifts_its_category() -> None:
    ranked = rank_categories("邻居养狗不拴绳", CATEGORIES)
    assert {category.category for category in ranked} == {category.category for category in CATEGORIES}
    untagged = [category.category for category in ranked].index("transport")
    tagged = [c.category for c in rank_categories("邻居养狗不拴绳", CATEGORIES, ["transport"])].index(
        "transport"
    )
    assert tagged < untagged


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我要投诉", None),
        ("我要匿名投诉", None),
        ("我要反映个问题", None),
        ("楼下烧烤店油烟太大了", "楼下烧烤店油烟太大了"),
        ("我要投诉，公司拖欠工资", "我要投诉，公司拖欠工资"),
    ],
)
def test_description_only_when_there_is_more_than_the_wish_to_complain(
    text: str, expected: str | None
) -> None:
    assert description_of(text, min_chars=4) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("算了，不说这个了，我要投诉另一个事：楼下烧烤油烟", "楼下烧烤油烟"),
        ("不约了，我要投诉另外一件事，小区电梯老是坏", "小区电梯老是坏"),
        ("再反映个别的问题：幸福路井盖丢了", "幸福路井盖丢了"),
        ("不约了，我要投诉楼下烧烤油烟", "我要投诉楼下烧烤油烟"),
        ("我要投诉，公司拖欠工资", "我要投诉，公司拖欠工资"),
        ("还有别的事吗", "还有别的事吗"),
    ],
)
def test_the_problem_without_the_stop_or_the_announcement_of_another_matter(text: str, problem: str) -> None:
    assert complaint_words(text, min_chars=4) == problem


def test_location_from_district_and_road() -> None:
    assert location_of("投诉环翠区文化中路一家烧烤店油烟大", ["环翠区"]) == "环翠区文化中路"
    assert location_of("文登区龙山路小区水压低", ["文登区"]).startswith("文登区龙山路")
    assert location_of("楼下烧烤店油烟太大了", []) is None


def test_ticket_ids_scores_and_anonymity() -> None:
    assert ticket_of("查询工单12345-20261101-0001的进度") == "12345-20261101-0001"
    assert ticket_of("12345热线") is None
    assert rating_of("打5分") == 5
    assert rating_of("给三星") == 3
    assert rating_of("非常满意") == 5
    assert rating_of("满意") == 4
    assert rating_of("很不满意，敷衍了事") == 1
    assert rating_of("不满意") == 2
    assert rating_of("一般般") == 3
    assert rating_of("评价一下") is None
    assert wants_anonymity("匿名吧")
    assert not wants_anonymity("13800001111")


def test_confirmation_offers_alternatives_and_a_way_out() -> None:
    text = replies.confirm_text("楼下烧烤店油烟太大了", None, "匿名", CATEGORIES[1])
    assert "归类为：环境保护（转市生态环境局），对吗？" in text and "地点" not in text
    buttons = replies.confirm_buttons(CATEGORIES[2:])
    assert buttons[0]["payload"] == "/affirm"
    assert len(buttons) == 2 + replies.MAX_ALTERNATIVES
    assert json.loads(buttons[-1]["payload"].removeprefix("/inform")) == {"complaint_category": "other"}
    assert replies.contact_label("13800001111", None) == "138****1111"
    assert replies.contact_label(replies.ANONYMOUS, "13800001111") == "匿名"


def test_ticket_text_shows_history_and_asks_for_a_rating_once() -> None:
    closed = replies.ticket_text(ticket())
    assert "状态：已办结（示例市供水集团）" in closed
    assert "10月22日 16:40 已办结：已更换小区二次加压泵" in closed
    assert "打分" in closed
    assert "打分" not in replies.ticket_text(ticket(satisfaction=5))
    assert "打分" not in replies.ticket_text(ticket(status="处理中"))
    buttons = replies.rating_buttons("12345-20261020-0042")
    assert buttons[0]["title"].startswith("5分")
    assert '"rating":"5"' in buttons[0]["payload"]


def test_filed_text_and_keys() -> None:
    filed = replies.filed_text(ticket(status="已受理"))
    assert "工单号：12345-20261020-0042" in filed and "示例市供水集团" in filed
    key = idempotency_key("complaint", "web:1", "油烟太大")
    assert key == idempotency_key("complaint", "web:1", "油烟太大")
    assert key != idempotency_key("complaint", "web:2", "油烟太大")


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("小区门口的路灯坏了一个月了", None),
        ("文登区龙山路小区停水两天了", "文登区龙山路小区"),
        ("学府路上的井盖丢了", "学府路"),
        ("街灯不亮", None),
    ],
)
def test_a_place_is_never_cut_out_of_another_word(text: str, place: str | None) -> None:
    districts = ["文登区"] if "文登区" in text else []
    assert location_of(text, districts) == place
