"""One reading of what citizens type, shared by the gateway (before Rasa NLU) and the actions.

Citizens type account, phone, id, plate and ticket numbers in many shapes: full-width digits from a
Chinese input method, digits spoken into a voice keyboard (幺三八零五三一...), groups separated by
spaces or hyphens, numbers glued to the next Chinese word, and a few English bill words. The NLU
regexes (data/nlu/regexes.yml) and the actions' checks (common/identity.py) only know one shape, so
``normalize_message`` rewrites every message into it once, the same way everywhere.

Rules, in the order they run (each is conservative: text that is not a number is left alone):

1. Characters. Full-width digits and letters become ASCII; full-width symbols that occur in numbers
   (＃＄％＆＊＋－．／＜＝＞＠＼＾＿｜～ ...) too, but the Chinese punctuation that carries meaning
   (，。！？：；（）、「」) stays, except a full-width colon between digits (10：30 → 10:30).
   Hyphen-like dashes (‐‑‒–−﹣－) become "-"; long dashes (—―) only between digits. Ideographic and
   other Unicode spaces, tabs and newlines become a space; control and zero-width characters
   (NUL, U+200B, U+FEFF, bidi marks, soft hyphen) are removed. Runs of whitespace collapse to one.
2. Spoken digits. In a run of at least ``MIN_SPOKEN_RUN`` (4) digit characters (0-9, 零〇○洞, 一幺,
   二两, 三...九, optionally split by single spaces or hyphens) the Chinese digits become Arabic:
   三一零零零一二三四五 → 3100012345, 138零五三一0001 → 13805310001. A run mixing Arabic and Chinese
   digits is converted only when it holds at least two Chinese digits, so 3000一个月 stays. Shorter
   runs (三月, 下周三, 一二三, 两点) and runs broken by 十百千万 (十一月, 二十五) are untouched, and so
   are the AABB idioms 三三两两 and 七七八八.
3. Protected spans. Plate numbers (鲁K·A1234, 鲁KA1234, 鲁k a1234, 鲁K-A1234) are rewritten to
   ``common.identity.normalise_plate``'s form 鲁K·A1234; ticket ids (12345-20261101-0001) are kept
   as they are. Neither is touched by the later rules.
4. Grouped numbers. Digit groups separated by single spaces or hyphens are joined only when the
   result is a plausible identifier: 11 digits starting 1[3-9] (a mobile phone), 10 digits (a
   utility account), 18 digits or 17 + X (a resident id), or GZ + 8 / GJJ + 9 digits (gas and housing
   fund accounts); the first group has at least 3 digits and every other at least 2, and groups
   of two inside the number only when the first ones do not read as a year and a month. So
   "138 0531 0001", "138-0531-0001", "3100 012 345", "0531 88 0002" (an account read out 4-2-4)
   and "3710 0219 8503 1223 11" join, while a date (2026-10-25, "2026 10 25 14"), a landline
   (0531-88881234), "2号楼 3单元" and "10月 25日" stay as typed.
5. English bill words (``ENGLISH_TERMS``, case-insensitive, whole words only): electricity/power bill
   → 电费, water bill → 水费, gas bill → 燃气费, check/query → 查, pay → 交, ... Spaces between a
   translated word and Chinese are dropped: "帮我check一下" → "帮我查一下".
6. Identifier case. An 18th-character x of an id number becomes X; an ASCII run holding at least
   five digits is upper-cased (gz20080123 → GZ20080123).
7. Bill-word typos (``fix_bill_typos``). A homophone or look-alike a pinyin or handwriting input
   method offers for 费 (废肺飞沸非菲啡...) right after a bill's name becomes 费: 水废 → 水费, 电肺 → 电费,
   燃气飞 → 燃气费, 水电废 → 水电费; so do the misspelt names themselves before a fee (然气费, 燃汽费 →
   燃气费; 媒气费, 煤汽费 → 煤气费) and 天燃气 → 天然气 anywhere. A typo that starts another word
   (废水, 废品, 飞机, 非常) is left alone, so "停电非常久" and "污水废水" stay as typed. Fixing the words
   here, where every message passes, spares the NLU data one example per typo and bill.
8. Spacing. An identifier-like ASCII run (at least five digits) or a protected span gets a space
   between it and an adjacent Chinese character or ASCII letter/digit, so jieba keeps it whole:
   "户号3100012345九月份水费多少" → "户号 3100012345 九月份水费多少". Short numbers (9月, 2号楼, 9点)
   keep their Chinese neighbours, as the date and time parsers expect.

The function is pure (standard library only), fast (a handful of precompiled regexes) and idempotent.
Capping the length of a message is the caller's job.
"""

from __future__ import annotations

import re
import unicodedata

from common.identity import normalise_plate

MIN_SPOKEN_RUN = 4
"""Fewest digit characters a run needs before its Chinese digits are read as a number."""

MIN_IDENTIFIER_DIGITS = 5
"""Fewest digits that make an ASCII run an identifier worth separating from Chinese words."""

_SPOKEN_DIGITS = {
    "零": "0",
    "〇": "0",
    "○": "0",
    "洞": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}

# Full-width punctuation kept as typed: these are the Chinese forms of the marks, and they carry
# the sentence structure the NLU was trained on.
_KEEP_FULL_WIDTH = set("！，：；？（）")

_DASHES = "\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d"  # ‐ ‑ ‒ – − ﹣ －
_LONG_DASHES = "\u2014\u2015"  # — ―
_PLATE_DOTS = "·・•‧∙⋅･."

_SPACE_LIKE = {"\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"}


def _build_char_table() -> dict[int, str]:
    """One str.translate table for the per-character rules (fast, and applied once per message)."""
    table: dict[int, str] = {}
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII block
        char = chr(code)
        if char not in _KEEP_FULL_WIDTH:
            table[code] = chr(code - 0xFEE0)
    table[0x3000] = " "  # ideographic space
    for char in _DASHES:
        table[ord(char)] = "-"
    table[0xFF65] = "·"  # half-width katakana middle dot
    table[0xFF61] = "。"  # half-width ideographic full stop
    table[0xFF64] = "、"  # half-width ideographic comma
    # Controls, format characters (zero-width, bidi marks, BOM) and odd spaces, in the BMP and the
    # tag block; scanning all of Unicode would cost a second at import for nothing seen in chats.
    for code in [*range(0x10000), *range(0xE0000, 0xE0080)]:
        char = chr(code)
        if code in table:
            continue
        category = unicodedata.category(char)
        if char in _SPACE_LIKE or (category == "Zs" and char != " "):
            table[code] = " "
        elif category in ("Cc", "Cf"):
            table[code] = ""
    table[0x180E] = ""  # Mongolian vowel separator, once a space, now an invisible format mark
    return table


_CHAR_TABLE = _build_char_table()

_WHITESPACE = re.compile(r"\s+")
_COLON_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])：(?=[0-9])")
_LONG_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=[0-9A-Za-z])[{_LONG_DASHES}](?=[0-9A-Za-z])")

_DIGIT_CHARS = "0-9" + "".join(_SPOKEN_DIGITS)
_SPOKEN_RUN = re.compile(rf"[{_DIGIT_CHARS}](?:(?: ?- ?| )?[{_DIGIT_CHARS}])*")
_IDIOMS = frozenset({"三三两两", "七七八八"})

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    rf"[{_PROVINCES}] ?[A-Za-z](?: ?[{re.escape(_PLATE_DOTS)}\-] ?| )?[A-Za-z0-9]{{5,6}}(?![0-9A-Za-z])"
)
_TICKET = re.compile(r"(?<![0-9])12345 ?- ?20[0-9]{6} ?- ?[0-9]{4}(?![0-9])")

_GROUPS = re.compile(r"(?<![0-9A-Za-z])[0-9]{1,8}(?:(?: ?- ?| )[0-9]{1,8})+[Xx]?(?![0-9A-Za-z])")
_PREFIXED_ACCOUNT = re.compile(
    r"(?<![0-9A-Za-z])(GJJ|GZ)(?: ?- ?| )?([0-9]{1,9}(?:(?: ?- ?| )[0-9]{1,9})*)(?![0-9A-Za-z])",
    re.IGNORECASE,
)
_PREFIXED_DIGITS = {"GZ": 8, "GJJ": 9}
_GROUP_SPLIT = re.compile(r"([0-9]+[Xx]?)")

_ID_WITH_LOWER_X = re.compile(r"(?<![0-9A-Za-z])([0-9]{17})x(?![0-9A-Za-z])")
_ASCII_RUN = re.compile(r"[0-9A-Za-z]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

ENGLISH_TERMS: dict[str, str] = {
    "electricity bill": "电费",
    "electric bill": "电费",
    "power bill": "电费",
    "electricity fee": "电费",
    "electricity": "电费",
    "water bill": "水费",
    "water fee": "水费",
    "gas bill": "燃气费",
    "gas fee": "燃气费",
    "bill": "账单",
    "bills": "账单",
    "check": "查",
    "query": "查",
    "pay": "交",
    "balance": "余额",
}
"""English words citizens mix into Chinese, mapped onto the Chinese the NLU training data uses.

Small on purpose: only bill words and the verbs used with them. Longer phrases win over their words;
"bills" and "fees" plurals of the phrases match too.
"""

_ENGLISH = re.compile(
    r"(?<![A-Za-z])(?:"
    + "|".join(
        re.escape(term).replace(r"\ ", r"\s+") + ("s?" if " " in term else "")
        for term in sorted(ENGLISH_TERMS, key=len, reverse=True)
    )
    + r")(?![A-Za-z])",
    re.IGNORECASE,
)


# What a pinyin or handwriting input method offers for 费 (fèi) besides it: homophones and near
# homophones (废肺沸吠痱狒镄, fēi 飞非菲啡绯).
FEE_TYPOS = "废肺沸吠痱狒镄飞非菲啡绯"
# A typo counts only where 费 would end the bill's name: at the end, before a digit, a space or a
# mark, or before the words that follow a fee in citizens' questions (水废多少, 电肺交了吗, 燃气飞欠
# 没欠). So 废水, 废品, 飞机, 飞溅, 非常, 非要, which start words of their own, stay as typed.
_AFTER_FEE = "多少交缴欠查单号了的吗呢嘛啊呀么怎咋户账帐是有还给用贵高该钱没能在每这那和跟及与也都就已到"
_FEE_END = rf"(?=$|[^\u3400-\u9fff]|[{_AFTER_FEE}])"
# Bill names as citizens misspell them, before a fee (correct or mistyped).
_BILL_NAME_TYPOS = {
    "然气": "燃气",
    "燃汽": "燃气",
    "然汽": "燃气",
    "燃器": "燃气",
    "燃起": "燃气",
    "媒气": "煤气",
    "煤汽": "煤气",
    "媒汽": "煤气",
}
_BILL_NAME_TYPO = re.compile(
    r"(?<![天燃煤])(" + "|".join(_BILL_NAME_TYPOS) + rf")(?=[费{FEE_TYPOS}]{_FEE_END})"
)
_NATURAL_GAS_TYPO = re.compile(r"天燃[汽气]|天然汽")
_TYPO_HINT = re.compile(rf"[{FEE_TYPOS}媒]|然[气汽]|燃[汽器起]|煤汽|天燃")
_FEE_TYPO = re.compile(rf"(?:(?<=[水电视])|(?<=[燃煤然]气))[{FEE_TYPOS}]{_FEE_END}")


def fix_bill_typos(text: str) -> str:
    """Rule 7: 水废 → 水费, 然气费 → 燃气费, 天燃气 → 天然气; other words that merely contain
    the characters stay (see the module docstring)."""
    if not _TYPO_HINT.search(text):
        return text  # most messages: one scan instead of three
    text = _NATURAL_GAS_TYPO.sub("天然气", text)
    text = _BILL_NAME_TYPO.sub(lambda match: _BILL_NAME_TYPOS[match.group(1)], text)
    return _FEE_TYPO.sub("费", text)


def normalize_message(text: str) -> str:
    """The citizen's message in the one shape the NLU and the actions read numbers in.

    Pure and idempotent: ``normalize_message(normalize_message(t)) == normalize_message(t)``.
    See the module docstring for the rules and why each is as narrow as it is.
    """
    text = _normalize_characters(text)
    text = _SPOKEN_RUN.sub(_spoken_run, text)
    pieces = _split_protected(text)
    pieces = [(piece if protected else _normalize_free_text(piece), protected) for piece, protected in pieces]
    return _WHITESPACE.sub(" ", _space_out(pieces)).strip()


def says_nothing(text: str) -> bool:
    """Only punctuation, spaces and control characters ("。", "！！！", "..."): NLU can only guess
    at such a message (one model read "。" as a complaint and "!!!" as a yes to a confirmation).
    Symbols and emoji ("👍", "✓") do say something and are left to NLU."""
    return all(unicodedata.category(char)[0] in "PZC" for char in text)


def normalize_identifier(text: str) -> str:
    """A single typed value (an answer to "请输入户号") as the departments store it.

    Unlike ``normalize_message`` there is no sentence around the value, so a value made only of
    digits (Arabic or spoken, at any length) and separators loses the separators: "幺三八 零五三一
    零零零一" → 13805310001, "１３８－０５３１－０００１" → 13805310001. Plates get normalise_plate's
    form, ticket ids keep their hyphens, letters are upper-cased (gz20080123 → GZ20080123).
    """
    value = _normalize_characters(text)
    if _TICKET.fullmatch(value):
        return value.replace(" ", "")
    plate = _plausible_plate(value)
    if plate:
        return plate
    compact = re.sub(r"[\s\-·.]", "", value)
    if compact and all(char in _SPOKEN_DIGITS or "0" <= char <= "9" or char in "xX" for char in compact):
        return "".join(_SPOKEN_DIGITS.get(char, char) for char in compact).upper()
    value = normalize_message(value)
    compact = re.sub(r"[\s\-]", "", value)
    if re.fullmatch(r"[0-9A-Za-z]+", compact):
        return compact.upper()
    return value


def _normalize_characters(text: str) -> str:
    """Rule 1: width, dashes, spaces, control and zero-width characters; whitespace collapsed."""
    text = text.translate(_CHAR_TABLE)
    text = _COLON_BETWEEN_DIGITS.sub(":", text)
    text = _LONG_DASH_BETWEEN_DIGITS.sub("-", text)
    return _WHITESPACE.sub(" ", text).strip()


def _spoken_run(match: re.Match[str]) -> str:
    """Rule 2 for one run of digit characters: convert it only when it reads as a number."""
    run = match.group(0)
    digits = [char for char in run if char not in " -"]
    chinese = sum(char in _SPOKEN_DIGITS for char in digits)
    if chinese == 0 or len(digits) < MIN_SPOKEN_RUN:
        return run
    if chinese < len(digits) and chinese < 2:
        return run
    if "".join(digits) in _IDIOMS:
        return run
    return "".join(_SPOKEN_DIGITS.get(char, char) for char in run)


def _split_protected(text: str) -> list[tuple[str, bool]]:
    """Rule 3: cut plates and ticket ids out of the text, in their final form, marked protected."""
    spans: list[tuple[int, int, str]] = []
    for match in _TICKET.finditer(text):
        spans.append((match.start(), match.end(), match.group(0).replace(" ", "")))
    for match in _PLATE.finditer(text):
        if any(start < match.end() and match.start() < end for start, end, _ in spans):
            continue
        plate = _plausible_plate(match.group(0))
        if plate:
            spans.append((match.start(), match.end(), plate))
    spans.sort()
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end, value in spans:
        pieces.append((text[position:start], False))
        pieces.append((value, True))
        position = end
    pieces.append((text[position:], False))
    return [(piece, protected) for piece, protected in pieces if piece]


def _plausible_plate(candidate: str) -> str | None:
    """normalise_plate's form when the serial looks like a plate's (2+ digits, at most 2 letters).

    The letter limit keeps words such as 新iPad123 from being read as plates.
    """
    plate = normalise_plate(re.sub(f"[{re.escape(_PLATE_DOTS)}]", "·", candidate))
    if not plate:
        return None
    serial = plate.split("·", 1)[1]
    letters = sum(char.isalpha() for char in serial)
    if letters > 2 or len(serial) - letters < 2:
        return None
    return plate


def _normalize_free_text(text: str) -> str:
    """Rules 4 to 7 on text outside plates and ticket ids."""
    text = _PREFIXED_ACCOUNT.sub(_join_prefixed_account, text)
    text = _GROUPS.sub(_join_groups, text)
    text = _translate_english(text)
    text = _ID_WITH_LOWER_X.sub(lambda match: match.group(1) + "X", text)
    text = _ASCII_RUN.sub(_upper_identifier, text)
    return fix_bill_typos(text)


def _join_groups(match: re.Match[str]) -> str:
    """Rule 4: join the longest runs of groups that form a plausible identifier, keep the rest."""
    whole = match.group(0)
    parts = _GROUP_SPLIT.split(whole)  # ["", group, sep, group, ..., ""]
    groups = parts[1::2]
    separators = parts[2::2]
    output: list[str] = []
    index = 0
    while index < len(groups):
        joined_to = None
        for end in range(len(groups), index + 1, -1):
            if _plausible_groups(groups[index:end]):
                joined_to = end
                break
        if joined_to is None:
            output.append(groups[index] + separators[index])
            index += 1
        else:
            output.append("".join(groups[index:joined_to]) + separators[joined_to - 1])
            index = joined_to
    return "".join(output)


def _join_prefixed_account(match: re.Match[str]) -> str:
    """Rule 4 for gas (GZ + 8 digits) and housing fund (GJJ + 9 digits) account numbers."""
    prefix = match.group(1).upper()
    groups = re.split(r" ?- ?| ", match.group(2))
    digits = "".join(groups)
    if len(digits) != _PREFIXED_DIGITS[prefix] or any(len(group) < 2 for group in groups):
        return match.group(0)
    return prefix + digits


def _plausible_groups(groups: list[str]) -> bool:
    """Whether these groups, written together, look like a phone, account or id number."""
    if len(groups) > 6 or len(groups[0]) < 3 or any(len(group) < 2 for group in groups[1:]):
        return False
    if any(len(group) == 2 for group in groups[1:-1]) and _reads_as_date(groups):
        return False
    if any(group[-1] in "xX" for group in groups[:-1]):
        return False
    joined = "".join(groups)
    if joined[-1] in "xX":
        return len(joined) == 18
    if len(joined) == 11:
        return bool(re.fullmatch(r"1[3-9][0-9]{9}", joined))
    return len(joined) in (10, 18)


def _reads_as_date(groups: list[str]) -> bool:
    """A year then a month ("2026 10 25 14"): groups of two digits after it are a day and an
    hour, not the middle of an account number spoken 4-2-4 ("0531 88 0002")."""
    return (
        len(groups[0]) == 4
        and groups[0][:2] in ("19", "20")
        and len(groups[1]) <= 2
        and 1 <= int(groups[1]) <= 12
    )


def _translate_english(text: str) -> str:
    """Rule 5: known English words to Chinese; drop the spaces that then sit between Chinese."""
    if not _ENGLISH.search(text):
        return text
    marked = _ENGLISH.sub(lambda match: "\x00" + _english_term(match.group(0)) + "\x00", text)
    marked = re.sub(r"\x00 +(?=\x00)", "\x00", marked)
    marked = re.sub(rf"(?<=\x00) +(?={_CJK.pattern})", "", marked)
    marked = re.sub(rf"(?<={_CJK.pattern}) +(?=\x00)", "", marked)
    return marked.replace("\x00", "")


def _english_term(word: str) -> str:
    key = _WHITESPACE.sub(" ", word.lower())
    if key not in ENGLISH_TERMS and key.endswith("s"):
        key = key[:-1]
    return ENGLISH_TERMS[key]


def _upper_identifier(match: re.Match[str]) -> str:
    """Rule 6: an ASCII run with enough digits is an identifier; its letters are upper-case."""
    run = match.group(0)
    digits = sum(char.isdigit() for char in run)
    return run.upper() if digits >= MIN_IDENTIFIER_DIGITS else run


def _is_identifier(run: str) -> bool:
    return sum(char.isdigit() for char in run) >= MIN_IDENTIFIER_DIGITS


def _space_out(pieces: list[tuple[str, bool]]) -> str:
    """Rule 8: put a space between identifiers (and protected spans) and the words around them."""
    marked: list[str] = []
    for piece, protected in pieces:
        if protected:
            marked.append(f"\x01{piece}\x02")
        else:
            marked.append(_ASCII_RUN.sub(_mark_identifier, piece))
    text = "".join(marked)
    text = re.sub(rf"\x02(?={_CJK.pattern}|[0-9A-Za-z\x01])", "\x02 ", text)
    text = re.sub(rf"(?<={_CJK.pattern}|[0-9A-Za-z\x02])\x01", " \x01", text)
    return text.replace("\x01", "").replace("\x02", "")


def _mark_identifier(match: re.Match[str]) -> str:
    run = match.group(0)
    return f"\x01{run}\x02" if _is_identifier(run) else run
