"""Reading "stop this, and do that instead" in one message: "不挂了，帮我查下电费", "不约了，我问下身份证
怎么补", "算了不办了，查一下水费". Pure functions, tested without a stack.

Citizens leave a form in the same breath as they ask the next thing. The words that stop (算了,
不挂了, 不约了, 不办了, 不投诉了, 先不查了 ...) come first; what follows is the new request, which the
dialogue answers instead of asking the old form's question again.
"""

from __future__ import annotations

import re

# What citizens say to stop the thing in progress: 算了 / 罢了 / 不用了, or 不 + a verb of one of the
# forms + 了 (不挂了, 不约了, 先不投诉了, 不想办了, 别约了, 不弄了), the matter named or not (不说这个了,
# 这个先不办了). The 了 is needed: "不交水费会怎样" stops nothing.
_VERBS = "挂号|挂|预约|约|办理|办|弄|搞|投诉|反映|举报|绑定|绑|查询|查|交|缴|验证|认证|取消|填|登记|要|用|说"
_THIS = "这个|这件事|这事|那个|那件事|那事"
_STOP = re.compile(
    rf"(?:算了吧?|罢了|不用了|不必了|不需要了|先这样吧?"
    rf"|(?:先|暂时|今天|现在)?(?:不想|不|别|甭)(?:再)?(?:{_VERBS})(?:{_THIS})?(?:了|啦)吧?"
    rf"|(?:{_THIS})(?:先|就)?(?:不|别)(?:{_VERBS})了吧?)"
)
_SEPARATORS = "，,。.！!、；;～~ "
# Words between the stop and the request that ask nothing yet: "不约了，我问下…", "算了，那个…".
_LEAD_IN = re.compile(r"^(?:那|那么|那就|就|我就|我|还是|先|帮我|麻烦|你|您|对了|另外|换个事)*")
MIN_REQUEST_CHARS = 2
"""Fewest characters the words after the stop need to be a request ("查电费"), so a stop said twice
("算了不办了") or a courtesy ("算了吧，谢谢") is only a stop."""
_COURTESY = re.compile(
    r"^(?:谢谢|多谢|感谢|好的|好吧|行吧|没事了?|不用了|再见|拜拜|没有了|就这样)[啊呀吧了！!。.，,]*$"
)


def request_after_stop(text: str) -> str | None:
    """The request said after stopping words at the start of the message ("不挂了，帮我查下电费"
    → "帮我查下电费"); None when the message does not start by stopping, or says nothing after."""
    position = 0
    stopped = False
    while True:
        while position < len(text) and text[position] in _SEPARATORS:
            position += 1
        found = _STOP.match(text, position)
        if not found or found.end() == position:
            break
        stopped = True
        position = found.end()
    if not stopped:
        return None
    rest = text[position:].strip(_SEPARATORS)
    if not rest or _COURTESY.match(rest) or len(_LEAD_IN.sub("", rest)) < MIN_REQUEST_CHARS:
        return None
    return rest
