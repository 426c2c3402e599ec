"""Reading complaint messages: is there a description beyond "我要投诉", where did it
happen, which ticket and which score. Pure functions, tested without a stack."""

from __future__ import annotations

import re

from understanding.switching import request_after_stop

TRIGGER_WORDS = (
    "我要匿名投诉",
    "我要投诉",
    "我想投诉",
    "我要举报",
    "我想举报",
    "我要反映",
    "我想反映",
    "帮我提交",
    "投诉",
    "举报",
    "反映",
    "匿名",
    "一下",
    "个问题",
    "问题",
    "情况",
    "我要",
    "我想",
    "12345",
)
TICKET_ID = re.compile(r"12345-\d{8}-\d{4}")
_PUNCTUATION = re.compile(r"[\s，。,.!！?？~：:、]")
# A road name: 2-4 characters that are not function words or "门口/旁边" (so "小区门口的路灯"
# yields no road), then 路/街/大道/巷 that is not the start of 路灯/路口灯/街灯.
_ROAD = re.compile(
    r"(?:(?![的了在是把被和与门旁边附近里])[\u4e00-\u9fa5]){2,4}(?:路|街|大道|巷)(?![灯])(?:\d+号)?"
    r"(?:[\u4e00-\u9fa5]{0,4}小区)?"
)
_RATING_WORDS = (
    (("非常不满意", "很不满意", "特别不满意"), 1),
    (("不满意", "差评", "不太满意"), 2),
    (("基本满意", "一般", "还行"), 3),
    (("比较满意",), 4),
    (("非常满意", "十分满意", "很满意", "好评", "五星"), 5),
    (("满意",), 4),
)
_RATING_NUMBER = re.compile(r"([1-5一二三四五])\s*(?:分|星|颗星)")
_CHINESE_SCORES = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}


def description_of(text: str, min_chars: int) -> str | None:
    """The complaint itself when the message says more than that it is one."""
    rest = _PUNCTUATION.sub("", text)
    for word in TRIGGER_WORDS:
        rest = rest.replace(word, "")
    return text.strip() if len(rest) >= min_chars else None


# "我要投诉另一个事：", "再反映个别的问题，": words that announce another matter, then the matter.
_ANOTHER_MATTER = re.compile(
    r"^(?:我|要|想|再|还|那|就|帮我|麻烦)*(?:投诉|反映|举报|说|讲)?(?:一下)?(?:一个|个)?"
    r"(?:另一个|另外一个|另一件|另外一件|另外|另一|别的|其他|其它|新的)(?:个|件)?"
    r"(?:事情|事儿|事|问题|情况)?[：:，,。.！!、\s]*"
)


def another_matter(text: str, min_chars: int) -> str | None:
    """The new problem after words announcing another matter ("我要投诉另一个事：楼下烧烤油烟" is
    楼下烧烤油烟); None when the text announces none, or names no problem after it."""
    found = _ANOTHER_MATTER.match(text.strip())
    if not found or not re.search("另|别的|其他|其它|新的", found.group(0)):
        return None
    rest = text.strip()[found.end() :].strip()
    return rest if description_of(rest, min_chars) else None


def complaint_words(text: str, min_chars: int) -> str:
    """What a message that starts a complaint says of the problem: not the stopping words before
    it ("算了，不说这个了，…") nor the words announcing another matter ("我要投诉另一个事：")."""
    words = request_after_stop(text) or text
    return another_matter(words, min_chars) or words


def location_of(text: str, districts: list[str]) -> str | None:
    """ "环翠区文化中路" from a description naming a district and a road; None otherwise."""
    rest = text
    for district in districts:
        rest = rest.replace(district, "|")
    road = _ROAD.search(rest)
    if districts or road:
        return "".join(districts[:1]) + (road.group(0) if road else "") or None
    return None


_CLAUSE = re.compile(r"[，,。！!？?；;\n]+")
_ADDRESS_WORD = re.compile(r"[区路街巷号村镇楼栋]|小区|社区|大道|胡同|市场|广场|公园|学校|医院")
_PLACE_LEAD = re.compile(r"^(?:就在|就是|是在|地址是|地点是|位置在|在|是)")


def place_in_answer(text: str) -> str:
    """The place out of a rambling answer to "where": the first clause naming one, without its
    lead-in ("在哪？就在文登区峰山路12号门口，晚上特别危险" is 文登区峰山路12号门口); the whole
    answer when no clause names a place."""
    for clause in _CLAUSE.split(text):
        clause = clause.strip()
        if _ADDRESS_WORD.search(clause):
            return _PLACE_LEAD.sub("", clause).strip() or clause
    return text.strip()


# "油烟又来了", "又开始吵了": the nuisance is back, a report of its own (a new ticket once the
# old one is closed), unless the citizen asks about the old ticket's handling.
_AGAIN = re.compile(r"又(?:来了|开始|在|被|熏|吵|堵|坏|停|漏|响|闹|有|冒|臭|乱)")
_ABOUT_THE_OLD_TICKET = ("进度", "怎么样", "处理", "结果", "办结", "回复", "工单", "没人管", "查")


def reports_again(text: str) -> bool:
    return bool(_AGAIN.search(text)) and not any(word in text for word in _ABOUT_THE_OLD_TICKET)


def ticket_of(text: str) -> str | None:
    found = TICKET_ID.search(text)
    return found.group(0) if found else None


def rating_of(text: str) -> int | None:
    """1-5 from "5分", "打五星", "非常满意", "差评"."""
    number = _RATING_NUMBER.search(text)
    if number:
        value = number.group(1)
        return int(value) if value.isdigit() else _CHINESE_SCORES[value]
    for words, score in _RATING_WORDS:
        if any(word in text for word in words):
            return score
    return None


def wants_anonymity(text: str) -> bool:
    return "匿名" in text or "不留名" in text or "不想留电话" in text
