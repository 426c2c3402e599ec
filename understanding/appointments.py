"""Reading the citizen's latest message for the appointment form: which intent interrupts,
which name and phone number were typed. Pure functions, tested without a stack."""

from __future__ import annotations

import re
from datetime import date

from common.time_words import resolve_date

INTERRUPTING_INTENTS = frozenset(
    {
        "bot_challenge",
        "help",
        "ask_service_guide",
        "human_handoff",
        "deny",
        "goodbye",
        "thank",
        "greet",
        "out_of_scope",
        "query_bill",
        "file_complaint",
        "query_complaint",
        "life_event",
        "list_appointments",
        "cancel_appointment",
    }
)
"""Intents that never answer a form question: the form rejects, a rule answers them."""
RESCHEDULE_WORDS = (
    "改到",
    "改约",
    "改期",
    "改成",
    "改一下",
    "改个时间",
    "换到",
    "换个时间",
    "换成",
    "推迟到",
    "提前到",
)
_NAME_END = r"\s*([\u4e00-\u9fa5·]{2,4}?)(?=电话|手机|[，,。！!\s\d]|$)"
# Whom a citizen books for, as they name them: "我妈叫孙桂兰", "我老伴儿叫刘德顺".
_FAMILY = (
    "妈妈|爸爸|母亲|父亲|老妈|老爸|老伴儿?|爱人|妻子|丈夫|老婆|老公|媳妇|女儿|儿子|闺女|孙子|孙女|外孙女?"
    "|爷爷|奶奶|姥姥|姥爷|外公|外婆|公公|婆婆|岳父|岳母|孩子|宝宝|病人|患者|老人家?|老太太|老爷子|老头子?"
    "|儿媳妇?|女婿|哥哥?|弟弟?|姐姐?|妹妹?|舅舅|姑姑|姨|叔叔|侄子|侄女|外甥女?|妈|爸"
)
# Whom the booking is for comes first: "我是她女儿，给我妈约的，她叫王秀英" books 王秀英.
_PATIENT_INTRO = re.compile(
    rf"(?:他叫|她叫|(?:^|(?<=[，,。\s]))叫|(?:我|我家|我们家)?(?:{_FAMILY})(?:名字)?叫"
    r"|就诊人[是叫:：]?|预约人[是叫:：]?"
    r"|姓名[是:：]?|名字[是叫:：]?)" + _NAME_END
)
_SELF_INTRO = re.compile(r"(?:我叫|我是)" + _NAME_END)
# Words that follow 我是 but are no name: relations and roles.
_NOT_NAME_START = re.compile(r"^(?:他|她|我|你|您|它|本人|家属|老人|病人|患者)")
_RELATIONS = frozenset(
    (
        "女儿",
        "儿子",
        "孙子",
        "孙女",
        "老伴",
        "爱人",
        "妻子",
        "丈夫",
        "老婆",
        "老公",
        "家属",
        "妈妈",
        "爸爸",
        "母亲",
        "父亲",
    )
)
_BARE_NAME = re.compile(r"^[\u4e00-\u9fa5·]{2,4}$")
_NOT_NAMES = frozenset(
    (
        *("好的", "可以", "是的", "确认", "不用", "没有", "不知道", "算了", "上午", "下午", "帮助"),
        *("谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "你好", "您好", "你好啊", "您好啊"),
    )
)
NOT_NAME_INTENTS = frozenset({"deny", "bot_challenge", "help", "human_handoff", "ask_service_guide"})
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_DIGITS = re.compile(r"\d[\d\s-]{2,}\d")
_PUNCTUATION = re.compile(r"[\s，。,.!！?？~]")


# A correction within one message: what follows the last of these replaces what came before
# ("后天上午内科，不对，是骨科").
_CORRECTION = re.compile(
    r"(?:不对|不是不是|哦不|噢不|说错了|搞错了|记错了|[，,。\s]不[，,])[，,。！!\s]*(?:应该)?(?:是)?"
)


def corrected_part(text: str) -> str | None:
    """The words after the citizen's last self-correction, or None when they made none."""
    ends = [found.end() for found in _CORRECTION.finditer(text)]
    rest = text[ends[-1] :].strip() if ends else ""
    return rest or None


def typed_name(text: str, asked: bool) -> str | None:
    """ "我叫张伟" anywhere, or a bare 2-4 character name when the name was just asked for."""
    for pattern in (_PATIENT_INTRO, _SELF_INTRO):
        for found in pattern.finditer(text):
            name = found.group(1)
            if not _NOT_NAME_START.match(name) and name not in _RELATIONS:
                return name
    bare = _PUNCTUATION.sub("", text)
    if asked and _BARE_NAME.match(bare) and bare not in _NOT_NAMES:
        return bare
    return None


_RELATION_ONLY = re.compile(
    rf"^(?:我是|我是他|我是她|我是他的|我是她的|我是病人的?|我是老人的?)(?:{_FAMILY}|家属|亲戚)[\s，,。!！]*$"
)


def says_relation_only(text: str) -> bool:
    """ "我是她儿子" when asked the name: who the citizen is to the patient, not the name."""
    return bool(_RELATION_ONLY.match(text.strip()))


def typed_phone(text: str, asked: bool) -> str | None:
    """An 11-digit mobile number in the text; when the phone was asked for, any run of digits,
    so a wrong number is answered with what is wrong instead of being ignored."""
    found = _PHONE.search(text)
    if found:
        return found.group(0)
    if asked:
        digits = _DIGITS.search(text)
        if digits:
            return re.sub(r"[\s-]", "", digits.group(0))
    return None


def wants_reschedule(text: str) -> bool:
    return any(word in text for word in RESCHEDULE_WORDS)


# Asking for a place at a fixed time, in citizens' words: "约个号", "帮我约", "排个号", or a
# message that starts with 约/预约 ("约政务服务中心办居住证").
_BOOKING_WORDS = re.compile(
    r"约个号|约个时间|约一下|约上|帮我约|给我约|帮忙约|帮我预约|排个号|取个号|挂个号"
    r"|^(?:我要|我想|想|帮我|给我|麻烦)?(?:预)?约(?![定束会])"
)
# A visit to a hall: "下周一去政务中心办个户口的事" (with a day), "我要去政务大厅办社保卡" (wanted).
_HALL_VISIT = re.compile(
    r"(?:去|到|上)(?:市民中心|政务中心|政务大厅|政务服务中心|行政服务中心|办事大厅|大厅)[^，,。！!]{0,4}办"
)
_WANTED_VISIT = re.compile(r"(?:我要|我想|想要?|准备|打算|得)(?:去|到|上)")
# A question about booking ("去大厅要预约吗", "怎么约") wants the guide, not a booking.
_QUESTION = re.compile(r"吗|么|如何|什么|啥|哪|多少|几点|要不要|能不能|需不需要|可不可以|[？?]")


def asks_to_book(text: str, today: date) -> bool:
    """A booking request the NLU may read as a guide question or not place at all: booking
    words, or a visit to the hall on a named day or wanted ("我要去…"), and no question asked."""
    if _QUESTION.search(text):
        return False
    if _BOOKING_WORDS.search(text):
        return True
    if not _HALL_VISIT.search(text):
        return False
    return bool(_WANTED_VISIT.search(text)) or resolve_date(text, today) is not None
