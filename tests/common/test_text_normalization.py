"""normalize_message reads every number the citizen types one way, and leaves everything else alone."""

from __future__ import annotations

import time

import pytest

from common.identity import normalise_plate
from common.text_normalization import (
    ENGLISH_TERMS,
    FEE_TYPOS,
    MIN_SPOKEN_RUN,
    normalize_identifier,
    normalize_message,
)

CHANGED = [
    # full width
    ("３１０００１２３４５", "3100012345"),
    ("ＧＺ２００８", "GZ2008"),
    ("查水费\u3000３１０００１２３４５", "查水费 3100012345"),
    ("电话：１３８－０５３１－０００１", "电话：13805310001"),
    ("１０：３０到１１：００", "10:30到11:00"),
    ("ａｂｃ＠ｅｘａｍｐｌｅ．ｃｏｍ", "abc@example.com"),
    # control, zero-width and odd whitespace
    ("查水\u200b费", "查水费"),
    ("\ufeff你好", "你好"),
    ("a\x00b\x07c", "abc"),
    ("查\u200d询\u2060电费\u00ad", "查询电费"),
    ("查水费\n3100012345", "查水费 3100012345"),
    ("查水费\t\t  3100012345  ", "查水费 3100012345"),
    ("你好\u00a0\u2003在吗", "你好 在吗"),
    ("第一行\r\n第二行\u2028第三行", "第一行 第二行 第三行"),
    # spoken digits
    ("三一零零零一二三四五", "3100012345"),
    ("幺三八零五三一零零零一", "13805310001"),
    ("手机号幺三八洞五三幺洞洞洞幺", "手机号 13805310001"),
    ("两两三三两", "22332"),
    ("〇五三一八八〇〇〇二", "0531880002"),
    ("○五三一八八○○○二", "0531880002"),
    ("138零五三一0001", "13805310001"),
    ("幺三八 零五三一 零零零一", "13805310001"),
    ("幺三七 六四零七零二九五", "13764070295"),
    ("二〇二六年十月二十五日", "2026年十月二十五日"),
    ("尾号幺二三四", "尾号1234"),
    ("12345-二零二六一一零一-0001", "12345-20261101-0001"),
    # grouped numbers
    ("138 0531 0001", "13805310001"),
    ("138-0531-0001", "13805310001"),
    ("138 - 0531 - 0001", "13805310001"),
    ("1380 531 0001", "13805310001"),
    ("3100 012 345", "3100012345"),
    ("户号 3100-012-345 的水费", "户号 3100012345 的水费"),
    ("3710 0219 8503 1223 11", "371002198503122311"),
    ("371002 19850312 2311", "371002198503122311"),
    ("3710 0219 8503 1223 1x", "37100219850312231X"),
    ("电话 138 0531 0001 2号楼", "电话 13805310001 2号楼"),
    ("2026-10-25 138 0531 0001", "2026-10-25 13805310001"),
    ("GZ 2008 0123", "GZ20080123"),
    ("gz-20080123", "GZ20080123"),
    ("GJJ 3701 00001", "GJJ370100001"),
    # identifiers next to Chinese
    ("户号3100012345九月份水费多少", "户号 3100012345 九月份水费多少"),
    ("查水费3100012345", "查水费 3100012345"),
    ("13805310001的预约", "13805310001 的预约"),
    ("gz20080123的燃气费", "GZ20080123 的燃气费"),
    ("身份证37100219850312231x", "身份证 37100219850312231X"),
    ("验证码123456", "验证码 123456"),
    # plates and ticket ids
    ("鲁KA1234", "鲁K·A1234"),
    ("鲁K A1234", "鲁K·A1234"),
    ("鲁k·a1234", "鲁K·A1234"),
    ("鲁K-A1234", "鲁K·A1234"),
    ("鲁K・A1234", "鲁K·A1234"),
    ("鲁Ｋ·Ａ１２３４", "鲁K·A1234"),
    ("我的车有没有违章 鲁K·A1234", "我的车有没有违章 鲁K·A1234"),
    ("车牌鲁ka1234有违章吗", "车牌 鲁K·A1234 有违章吗"),
    ("鲁K·5B678", "鲁K·5B678"),
    ("投诉进度12345-20261101-0001", "投诉进度 12345-20261101-0001"),
    ("12345—20261101—0001", "12345-20261101-0001"),
    ("12345 - 20261101 - 0001", "12345-20261101-0001"),
    # English bill words
    ("帮我check一下electricity bill 0531880002", "帮我查一下电费 0531880002"),
    ("CHECK Water Bill 3100012345", "查水费 3100012345"),
    ("我想pay gas bill", "我想交燃气费"),
    ("power bills多少", "电费多少"),
    ("pay my water bill", "交 my 水费"),
    ("electricity 交了没", "电费交了没"),
    # bill-word typos
    ("水废 3100012345", "水费 3100012345"),
    ("查一下水废3100012345", "查一下水费 3100012345"),
    ("燃气废欠没欠", "燃气费欠没欠"),
    ("燃汽废多少", "燃气费多少"),
    ("然气费交了吗", "燃气费交了吗"),
    ("天燃气费", "天然气费"),
    ("天燃气用了多少", "天然气用了多少"),
    ("天然气废", "天然气费"),
    ("媒气费", "煤气费"),
    ("煤汽飞", "煤气费"),
    ("水电废", "水电费"),
    ("水废，电肺", "水费，电费"),
    ("有线电视废", "有线电视费"),
]

UNCHANGED = [
    "三月",
    "三月份的水费",
    "下周三",
    "下周三上午",
    "一二三木头人",
    "十一月",
    "十一月的电费",
    "三个人",
    "两点",
    "明天下午两点",
    "三三两两",
    "七七八八",
    "一两个",
    "两三天",
    "周一三五",
    "3000一个月",
    "一九九",
    "2号楼 3单元",
    "10月 25日",
    "10月25日上午9点",
    "2026-10-25",
    "2026 10 25",
    "2026年10月",
    "0531-88881234",
    "301 302",
    "一共 12 34 元",
    "你好，请问！？",
    "（第三项）：好的；谢谢。",
    "新iPad123",
    "checkout",
    "billion",
    "树洞",
    "幺妹",
    "二十五",
    "第一二",
    "3",
    "",
    "吃了吗 😀",
    "12345678901234567890",
    # typo characters that start words of their own
    "污水废水处理",
    "工地乱倒废料",
    "交废品",
    "电飞机",
    "口水飞溅",
    "香气飞扬",
    "停电非常久",
    "停电非要等明天",
    "潜水肺活量",
    "燃起希望",
    "自然气候",
]


@pytest.mark.parametrize(("text", "expected"), CHANGED)
def test_typed_forms_become_the_one_form(text: str, expected: str) -> None:
    assert normalize_message(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_ordinary_words_and_short_numbers_stay(text: str) -> None:
    assert normalize_message(text) == text


@pytest.mark.parametrize("text", [text for text, _ in CHANGED] + UNCHANGED)
def test_idempotent(text: str) -> None:
    once = normalize_message(text)
    assert normalize_message(once) == once


@pytest.mark.parametrize("typo", list(FEE_TYPOS))
@pytest.mark.parametrize(
    ("bill", "fixed"),
    [("水", "水费"), ("电", "电费"), ("燃气", "燃气费"), ("煤气", "煤气费"), ("天然气", "天然气费")],
)
def test_every_fee_typo_of_every_bill_is_the_fee(bill: str, typo: str, fixed: str) -> None:
    assert normalize_message(f"查{bill}{typo} 3100012345") == f"查{fixed} 3100012345"
    assert normalize_message(f"{bill}{typo}多少") == f"{fixed}多少"
    assert normalize_message(f"我家{bill}{typo}交了吗？") == f"我家{fixed}交了吗？"


@pytest.mark.parametrize("misspelt", ["然气", "燃汽", "然汽", "燃器", "燃起", "媒气", "煤汽", "媒汽"])
def test_misspelt_gas_names_before_a_fee_are_the_gas_bill(misspelt: str) -> None:
    fixed = normalize_message(f"{misspelt}废多少")
    assert fixed in ("燃气费多少", "煤气费多少"), fixed


def test_spoken_run_minimum_is_four_digits() -> None:
    assert MIN_SPOKEN_RUN == 4
    assert normalize_message("一二三") == "一二三"
    assert normalize_message("一二三四") == "1234"
    assert normalize_message("编号幺二三") == "编号幺二三"


def test_mixed_run_needs_two_chinese_digits() -> None:
    assert normalize_message("1000两个") == "1000两个"
    assert normalize_message("100零二") == "10002"


def test_groups_join_only_to_identifier_lengths() -> None:
    assert normalize_message("123 4567") == "123 4567"  # 7 digits: no identifier
    assert normalize_message("1234 5678 90") == "1234567890"  # 10: an account
    assert normalize_message("1234 5678 901") == "1234 5678 901"  # 11 not starting 1[3-9]
    assert normalize_message("3100012345 138 0531 0001") == "3100012345 13805310001"
    assert normalize_message("2026 10 25 14") == "2026 10 25 14"  # a year, a month, a day, an hour
    assert normalize_message("1999 12 3045") == "1999 12 3045"  # a year and a month first


def test_an_account_read_out_in_groups_of_two_is_joined() -> None:
    """Citizens read a 10-digit account out 4-2-4 or 4-3-3, a phone 3-2-2-4."""
    assert normalize_message("户号零五三一 八八 零零零二") == "户号 0531880002"
    assert normalize_message("0531 88 0002 查电费") == "0531880002 查电费"
    assert normalize_message("3100 01 2345") == "3100012345"
    assert normalize_message("手机138 05 31 0001") == "手机 13805310001"
    assert normalize_message("12 34 56 7890") == "12 34 56 7890"  # no group of three first
    assert normalize_message("0531 8888 1234") == "0531 8888 1234"  # a 12-digit landline


def test_two_numbers_side_by_side_are_not_glued() -> None:
    assert normalize_message("3100012345 3100067890") == "3100012345 3100067890"
    assert normalize_message("13805310001 13805310002") == "13805310001 13805310002"


def test_plates_match_identity_normalise_plate() -> None:
    for typed in ("鲁KA1234", "鲁k a1234", "鲁K-A1234", "鲁K·5B678"):
        assert normalize_message(typed) == normalise_plate(typed)


def test_english_terms_are_small_and_chinese() -> None:
    assert len(ENGLISH_TERMS) <= 20
    assert all(key == key.lower() for key in ENGLISH_TERMS)
    assert {"电费", "水费", "燃气费", "查", "交"} <= set(ENGLISH_TERMS.values())


def test_english_is_whole_words_only() -> None:
    assert normalize_message("paypal") == "paypal"
    assert normalize_message("rechecked") == "rechecked"
    assert "查" in normalize_message("帮我check一下electricity bill 0531880002")
    assert "电费" in normalize_message("帮我check一下electricity bill 0531880002")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("幺三八 零五三一 零零零一", "13805310001"),
        ("１３８－０５３１－０００１", "13805310001"),
        ("三一零零", "3100"),
        ("138 0531 0001", "13805310001"),
        (" 3710 0219 8503 1223 1x ", "37100219850312231X"),
        ("鲁k a1234", "鲁K·A1234"),
        ("12345-20261101-0001", "12345-20261101-0001"),
        ("12345 - 20261101 - 0001", "12345-20261101-0001"),
        ("gz20080123", "GZ20080123"),
        ("GZ 2008 0123", "GZ20080123"),
        ("\u200b3100012345\n", "3100012345"),
        ("张三", "张三"),
        ("市立医院", "市立医院"),
    ],
)
def test_normalize_identifier(value: str, expected: str) -> None:
    assert normalize_identifier(value) == expected


def test_fast_enough_for_every_message() -> None:
    text = "帮我check一下electricity bill 0531880002，户号3100012345九月份水费多少 鲁ka1234 " * 4
    start = time.perf_counter()
    for _ in range(200):
        normalize_message(text)
    assert (time.perf_counter() - start) / 200 < 0.002
