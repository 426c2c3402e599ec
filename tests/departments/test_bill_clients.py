"""The typed department clients against the real sandbox served over HTTP, faults included."""

from __future__ import annotations

import httpx
import pytest

from departments.base import DepartmentUnavailable, RecordNotFound
from departments.bills import WrongAccount, fetch_record
from departments.cable_tv import CableTvClient
from departments.housing_fund import HousingFundClient
from departments.hrss import HrssClient
from departments.population import PopulationClient
from departments.registry import Departments
from departments.traffic import TrafficClient
from departments.utility import UtilityClient
from tests.departments.conftest import LIMITS


async def test_linked_citizen_and_what_they_hold(sandbox_url: str) -> None:
    population = PopulationClient(sandbox_url, LIMITS)
    citizen = await population.find_by_channel_user("alipay:2088000000000001")
    assert citizen is not None and citizen.name == "张伟"
    assert await population.find_by_channel_user("web:abc") is None
    accounts = {
        account.bill_type: account.account_number for account in await population.utility_accounts("C001")
    }
    assert accounts == {
        "water": "3100012345",
        "electricity": "0531880001",
        "gas": "GZ20080077",
        "cable_tv": "CATV20230001",
    }
    assert await population.vehicle_plates("C001") == ["鲁K·A1234"]
    by_id = await population.find_by_id_number("371082195801050158")
    assert by_id is not None and by_id.citizen_id == "C003"


async def test_utility_account_and_idempotent_payment(sandbox_url: str) -> None:
    water = UtilityClient(sandbox_url, LIMITS, "供水公司")
    account = await water.get_account("3100012345")
    assert account.bill_type == "water" and account.usage_unit == "吨"
    october = account.bill_for("2026-10")
    assert october is not None and october.status == "unpaid" and october.amount == pytest.approx(86.4)

    receipt = await water.pay_bill("3100012345", "2026-10", 86.4, "T-test-1", "alipay")
    again = await water.pay_bill("3100012345", "2026-10", 86.4, "T-test-1", "alipay")
    assert receipt.paid_at == again.paid_at
    paid = (await water.get_account("3100012345")).bill_for("2026-10")
    assert paid is not None and paid.status == "paid"

    with pytest.raises(RecordNotFound):
        await water.get_account("3100099999")


async def test_social_security_fund_and_fines(sandbox_url: str) -> None:
    retiree = await HrssClient(sandbox_url, LIMITS).social_security("C003")
    assert retiree.status == "退休" and retiree.monthly_pension
    fund = HousingFundClient(sandbox_url, LIMITS)
    assert (await fund.account_for_citizen("C001")).balance == pytest.approx(86542.17)
    assert (await fund.get_account("GJJ370100002")).account_number == "GJJ370100002"
    assert await fund.account_for_citizen_or_none("C003") is None
    fines = await TrafficClient(sandbox_url, LIMITS).violations("鲁KA1234")
    assert [violation.status for violation in fines] == ["未处理", "已处理"]


async def test_faulty_department_is_unavailable_then_the_breaker_opens(sandbox_url: str) -> None:
    httpx.post(
        f"{sandbox_url}/_faults/traffic", json={"mode": "timeout", "delay_seconds": 5}
    ).raise_for_status()
    traffic = TrafficClient(sandbox_url, LIMITS)
    for _ in range(LIMITS.breaker_failures):
        with pytest.raises(DepartmentUnavailable):
            await traffic.violations("鲁K·A1234")
    httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    with pytest.raises(DepartmentUnavailable, match="circuit open"):
        await traffic.violations("鲁K·A1234")


async def test_a_500_from_one_department_leaves_the_others_alone(sandbox_url: str) -> None:
    httpx.post(f"{sandbox_url}/_faults/utility", json={"mode": "error"}).raise_for_status()
    with pytest.raises(DepartmentUnavailable):
        await UtilityClient(sandbox_url, LIMITS, "燃气公司").get_account("GZ20080077")
    summary = await HrssClient(sandbox_url, LIMITS).social_security("C001")
    assert summary.contribution_months == 219


async def test_cable_tv_company_has_its_own_billing_api(sandbox_url: str) -> None:
    cable = CableTvClient(sandbox_url, LIMITS)
    account = await cable.get_account("CATV20230001")
    assert account.bill_type == "cable_tv" and account.provider == "示例市广电网络有限公司"
    unpaid = [bill for bill in account.bills if bill.status != "paid"]
    assert [bill.period for bill in unpaid] == ["2026-10"]
    receipt = await cable.pay_bill("CATV20230001", "2026-10", 26.5, "T-catv-1", "alipay")
    again = await cable.pay_bill("CATV20230001", "2026-10", 26.5, "T-catv-1", "alipay")
    assert receipt.paid_at == again.paid_at
    assert (await cable.get_account("CATV20230001")).bill_for("2026-10").status == "paid"  # type: ignore[union-attr]


async def test_each_company_knows_only_its_own_accounts(sandbox_url: str) -> None:
    with pytest.raises(RecordNotFound):
        await CableTvClient(sandbox_url, LIMITS).get_account("3100012345")
    with pytest.raises(RecordNotFound):
        await UtilityClient(sandbox_url, LIMITS, "供水公司").get_account("CATV20230002")


async def test_an_account_of_another_bill_type_is_named_for_what_it_is(
    departments_on_sandbox: Departments,
) -> None:
    with pytest.raises(WrongAccount) as wrong:
        await fetch_record("water", "0531880001", departments_on_sandbox)
    assert str(wrong.value) == "053***0001 是电费户号，不是水费户号。请发水费户号。"
