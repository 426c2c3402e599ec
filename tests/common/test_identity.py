from __future__ import annotations

import pytest

from common.identity import id_number_problem, is_valid_phone, normalise_plate


@pytest.mark.parametrize("valid", ["371002198503122311", "371002199208271423", "371082195801050158"])
def test_demo_id_numbers_are_valid(valid: str) -> None:
    assert id_number_problem(valid) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("371002198503122312", "校验位"),
        ("37100219850312231", "18位"),
        ("371002198513122311", "出生日期"),
        ("371002290003122311", "出生日期"),
        ("abc", "18位"),
    ],
)
def test_bad_id_numbers_say_why(value: str, problem: str) -> None:
    assert problem in (id_number_problem(value) or "")


def test_phone_and_plate() -> None:
    assert is_valid_phone("138 0531 0001") and not is_valid_phone("12345678901")
    assert normalise_plate("鲁ka1234") == "鲁K·A1234"
    assert normalise_plate("鲁K·5B678") == "鲁K·5B678"
    assert normalise_plate("K·A1234") is None
