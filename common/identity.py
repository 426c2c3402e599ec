"""Checks of the identifiers citizens type, shared by the actions and the sandbox."""

from __future__ import annotations

import re
from datetime import date

from common.time_words import city_today

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CODES = "10X98765432"
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_PLATE = re.compile(r"^([\u4e00-\u9fa5])([A-Z])([A-Z0-9]{5,6})$")


def id_number_problem(value: str) -> str | None:
    """Why an 18-digit resident id number is invalid (in Chinese, for the citizen), or None.

    Checks length, birth date and the GB 11643 check digit, so a typo is caught before any
    department is asked.
    """
    value = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return "身份证号应为18位（最后一位可能是X）"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号里的出生日期不对"
    if born > city_today() or born.year < 1900:
        return "身份证号里的出生日期不对"
    checksum = sum(int(digit) * weight for digit, weight in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK_CODES[checksum % 11] != value[17]:
        return "身份证号校验位不对，可能有一位输错了"
    return None


def is_valid_phone(value: str) -> bool:
    return bool(_PHONE.match(re.sub(r"[\s-]", "", value)))


def normalise_plate(value: str) -> str | None:
    """鲁KA1234, 鲁k·a1234, 鲁K A1234 → 鲁K·A1234; None when it is not a plate number."""
    compact = re.sub(r"[\s·•.\-]", "", value).upper()
    match = _PLATE.match(compact)
    if not match:
        return None
    province, city, rest = match.groups()
    return f"{province}{city}·{rest}"
