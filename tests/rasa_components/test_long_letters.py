"""The long-letter reading of config.yml (rasa_components/long_letter_guard.py): a long message
the NLU refused as out of scope is read as a complaint or a question by its cue words, while
every off-topic request (short, whatever its words) stays refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rasa_components.long_letters import compile_cues, letter_intent, unsure_letter_intent

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _guard_config() -> dict:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    (guard,) = [item for item in config["pipeline"] if item["name"].endswith("LongLetterGuard")]
    return guard


CONFIG = _guard_config()
MIN_CHARS = int(CONFIG["min_chars"])
CUES = compile_cues(CONFIG["cues"], MIN_CHARS)


def _read(text: str) -> str | None:
    return letter_intent(text, MIN_CHARS, CUES)


@pytest.mark.parametrize(
    "letter",
    [
        # Not sentences of any data set: letters whose topic words (a taxi, a ticket, a metro line,
        # a training course) are also the topics of the off-topic examples.
        "出租车司机带我们去丝绸店购物。从西湖出来打车，司机一路推荐丝绸和茶叶，把我们拉到一家店门口等着，价格比外面贵一倍，这种行为有没有人管？",
        "在某旅行平台买的机票出错，名字和证件号对不上，登不了机，平台拒绝退款，客服一直推脱，已经一个多月了，请有关部门督促平台处理。",
        "地铁新线开通了，可是我们小区到站口的那条路还是断头路，每天要绕两公里才能坐上地铁，居民意见很大，老人孩子走这段路很不安全，晚上连路灯都没有，下雨天全是泥，希望有关部门尽快把路打通。",
        "给孩子报了一年的少儿英语网课，上了两节觉得不合适申请退费，机构说只能退三成，合同上根本没写，这明显不合理，机构还不接电话，我要投诉。",
    ],
)
def test_long_letters_are_complaints(letter: str) -> None:
    assert len(letter) >= MIN_CHARS
    assert _read(letter) == "file_complaint"


def test_a_long_question_is_a_guide_question() -> None:
    question = "孩子下半年上小学，我和孩子的户口都迁到了爷爷名下的房子里，房子在城东区，这种情况能不能在爷爷家附近的学校读书？需要准备什么材料？"
    assert _read(question) == "ask_service_guide"


@pytest.mark.parametrize(
    "request_text",
    [
        "帮我订个酒店，离海边近点的",
        "放一首邓丽君的歌",
        "我刚学做饭，想给老公做个红烧鱼，可是每次鱼皮都粘锅，到底要怎么弄啊？",
    ],
)
def test_short_messages_are_never_read_as_letters(request_text: str) -> None:
    assert _read(request_text) is None


def test_every_off_topic_training_example_is_too_short_to_be_a_letter() -> None:
    """The rule relies on it: were a long off-topic example ever added, it would need cues of its own."""
    document = yaml.safe_load(
        (PROJECT_ROOT / "data" / "nlu" / "out_of_scope.yml").read_text(encoding="utf-8")
    )
    examples = [
        line[2:]
        for block in document["nlu"]
        if block.get("intent") == "out_of_scope"
        for line in block["examples"].splitlines()
        if line.startswith("- ")
    ]
    assert examples and all(_read(text) is None for text in examples)


def test_a_long_message_without_cues_and_a_button_stay_as_they_were() -> None:
    assert _read("啊" * MIN_CHARS) is None
    assert _read("/file_complaint" + "。" * MIN_CHARS) is None


LONG_GRIEVANCE = "我们楼道里的声控灯坏了快半年了，晚上上下楼黑咕隆咚的，上周我家老太太下楼一脚踩空摔了一跤，找物业说了好几次都没有人来修。"


def test_an_unsure_long_message_takes_diets_letter_guess_when_it_is_first_or_second() -> None:
    assert len(LONG_GRIEVANCE) >= MIN_CHARS
    unsure = [("life_event", 0.47), ("file_complaint", 0.46), ("inform", 0.05)]
    assert unsure_letter_intent(LONG_GRIEVANCE, MIN_CHARS, CUES, unsure) == "file_complaint"
    question_first = [("ask_service_guide", 0.48), ("file_complaint", 0.46)]
    assert unsure_letter_intent(LONG_GRIEVANCE, MIN_CHARS, CUES, question_first) == "ask_service_guide"


def test_an_unsure_message_between_two_tasks_stays_unsure() -> None:
    """A long bill request DIET hesitates over must not start a complaint."""
    tasks = [("query_bill", 0.47), ("pay_bill", 0.45), ("file_complaint", 0.04)]
    assert unsure_letter_intent(LONG_GRIEVANCE, MIN_CHARS, CUES, tasks) is None
    assert unsure_letter_intent("我要投诉", MIN_CHARS, CUES, [("file_complaint", 0.46)]) is None


@pytest.mark.parametrize(
    "chat",
    [
        "我有个数学问题想请教你，一个长方形长八厘米宽五厘米，它的周长和面积分别是多少，请详细写出计算过程，谢谢你啦小助手，我家孩子等着呢",
        "最近老是失眠 晚上躺床上翻来覆去睡不着 白天上班也没精神 领导还老批评我 压力特别大 你说我该咋办 有没有什么好办法能让我睡个好觉",
    ],
)
def test_a_long_chat_with_only_common_words_is_not_a_letter(chat: str) -> None:
    """Found on the running stack: both had started the complaint form."""
    assert MIN_CHARS <= len(chat) < 90
    assert _read(chat) is None
