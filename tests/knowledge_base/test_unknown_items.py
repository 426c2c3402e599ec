"""A question naming a service item the content never mentions is turned away honestly, not
answered with a sibling's guide ("无人机登记备案" got the rental-contract guide)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.catalog import Entry, load_catalog
from knowledge_base.config import RetrieverConfig
from knowledge_base.retriever import Retriever
from knowledge_base.unknown_items import UnknownItemCheck


@pytest.fixture(scope="module")
def check() -> UnknownItemCheck:
    return UnknownItemCheck(load_catalog(RetrieverConfig().content_dir))


@pytest.mark.parametrize(
    ("question", "modifier"),
    [
        ("无人机登记备案", "人机"),
        ("犬只登记要带什么", "犬只"),
        ("取水许可证怎么申请", "取水"),
        ("游艇驾照怎么考", "游艇"),
        ("临时占道经营许可证", "占道"),  # 经营 is known (食品经营许可证), the pair before it is not
    ],
)
def test_an_item_the_content_never_mentions_is_named(
    check: UnknownItemCheck, question: str, modifier: str
) -> None:
    assert check.unknown_item(question) == modifier


@pytest.mark.parametrize(
    "question",
    [
        "结婚登记要带什么",  # a known item
        "租房合同怎么备案",
        "想在七夕那天去登记 怎么提前约",  # 登记 as a verb after 去
        "想开个早餐店 除了执照还要办啥许可",  # after a function word
        "钱包被偷了身份证也在里面 补一张多少钱",  # unknown words, but no procedure word after them
        "护照怎么办",
        "结婚要去哪儿登记",
    ],
)
def test_known_items_and_circumstances_are_not_flagged(check: UnknownItemCheck, question: str) -> None:
    assert check.unknown_item(question) is None


def test_the_answer_and_guide_text_count_as_known(tmp_path: Path) -> None:
    entry = Entry(
        id="pets.dog_licence",
        kind="guide",
        question="养狗怎么办证",
        answer="犬只登记在街道办理。",
        theme="pets",
        source=tmp_path / "pets.yml",
    )
    check = UnknownItemCheck([entry])
    assert check.unknown_item("犬只登记要带什么") is None
    assert check.unknown_item("船舶登记要带什么") == "船舶"


def test_the_retriever_turns_an_unknown_item_away(retriever: Retriever) -> None:
    decision = retriever.decide("无人机登记备案")
    assert decision.kind == "unknown" and decision.hits == ()
    assert retriever.decide("租房合同怎么备案").kind != "unknown"
