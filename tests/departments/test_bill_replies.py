"""The wording of bill answers and the identifier checks, without a stack."""

from __future__ import annotations

from datetime import date

import pytest

from departments.bill_replies import (
    housing_fund_reply,
    social_security_reply,
    utility_reply,
    violations_reply,
)
from departments.bill_types import BILL_TYPES
from departments.housing_fund import HousingFundAccount
from departments.hrss import SocialSecuritySummary
from departments.traffic import Violation
from departments.utility import Bill, UtilityAccount

TODAY = date(2026, 11, 22)
WATER = UtilityAccount(
    account_number="3100012345",
    bill_type="water",
    holder="C001",
    provider="示例市供水集团",
    address="环翠区文化中路88号3单元502",
    usage_unit="吨",
    bills=[
        Bill("2026-09", 61.5, "paid", "2026-09-25", 17),
        Bill("2026-10", 86.4, "unpaid", "2026-10-25", 24),
    ],
)


def test_latest_unpaid_bill_shows_amount_status_due_date_and_how_to_pay() -> None:
    reply = utility_reply(WATER, None, TODAY)
    assert "310***2345" in reply and "3100012345" not in reply
    assert "10月：86.40元，未缴，已过期限 10月25日（用量 24吨）" in reply
    assert "回复“缴费”" in reply


def test_each_company_calls_its_account_by_its_own_word() -> None:
    cable = UtilityAccount(
        account_number="CATV20230001",
        bill_type="cable_tv",
        holder="C001",
        provider="示例市广电网络",
        address="环翠区文化中路88号3单元502",
        usage_unit="",
        bills=[Bill("2026-10", 26.0, "unpaid", "2026-11-25", None)],
    )
    assert utility_reply(cable, None, TODAY).splitlines()[0].startswith("有线电视费（账号 ")
    assert utility_reply(WATER, None, TODAY).splitlines()[0].startswith("水费（户号 ")


def test_a_month_without_a_bill_says_so_and_shows_the_latest() -> None:
    reply = utility_reply(WATER, "2026-11", TODAY)
    assert "还没有出" in reply and "86.40元" in reply


def test_a_paid_month_is_answered_with_the_outstanding_total() -> None:
    reply = utility_reply(WATER, "2026-09", TODAY)
    assert "61.50元，已缴" in reply and "1 期未缴" in reply


def test_social_security_masks_the_id_number_and_counts_years() -> None:
    summary = SocialSecuritySummary(
        "2008-07", 219, 6800, 3412.58, "在职参保", "示例市海川科技有限公司", "2026-10", None
    )
    reply = social_security_reply(summary, "371002198503122311")
    assert "3710**********2311" in reply and "371002198503122311" not in reply
    assert "219 个月（18年3个月）" in reply and "已缴到 2026年10月" in reply


def test_housing_fund_and_violations() -> None:
    fund = housing_fund_reply(
        HousingFundAccount("GJJ370100001", 86542.17, 1632.0, "正常缴存", "2026-10", 0.0)
    )
    assert "86,542.17元" in fund and "GJJ*****0001" in fund and "贷款" not in fund
    pending = Violation("V1", "2026-10-15", "青岛中路", "违反禁令标志", 100, 3, "未处理")
    handled = Violation("V2", "2026-08-22", "世昌大道", "超速", 200, 3, "已处理")
    assert "1 条未处理" in violations_reply("鲁K·A1234", [pending, handled], TODAY)
    assert "没有未处理" in violations_reply("鲁K·A1234", [handled], TODAY)


@pytest.mark.parametrize(
    ("bill_type", "typed", "ok"),
    [
        ("water", "3100012345", True),
        ("gas", "gz20080077", True),
        ("water", "31-00", False),
        ("social_security", "371002198503122311", True),
        ("social_security", "371002198503122312", False),
        ("housing_fund", "GJJ370100001", True),
        ("traffic_fine", "鲁ka1234", True),
        ("traffic_fine", "A1234", False),
    ],
)
def test_identifier_checks(bill_type: str, typed: str, ok: bool) -> None:
    row = BILL_TYPES[bill_type]
    assert (row.identifier_problem(row.normalise(typed)) is None) is ok
