"""One department lookup per bill type, shared by the query, the overview, the binding check
and payment; the callers only choose how to word the record."""

from __future__ import annotations

from datetime import date

from actions.bills import replies
from actions.bills.accounts import BILL_TYPE_NAMES, IDENTIFIER_NAMES, UTILITY_TYPES
from actions.clients.base import RecordNotFound
from actions.clients.housing_fund import HousingFundAccount
from actions.clients.hrss import SocialSecuritySummary
from actions.clients.traffic import Violation
from actions.clients.utility import UtilityAccount
from actions.departments import DEFAULT, Departments
from common.masking import mask_account

BillRecord = UtilityAccount | SocialSecuritySummary | HousingFundAccount | list[Violation]


class WrongAccount(Exception):
    """The identifier is unknown, or belongs to another bill type; `message` tells the citizen."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def _citizen_id_for(id_number: str, departments: Departments) -> str:
    citizen = await departments.population.find_by_id_number(id_number)
    if citizen is None:
        raise RecordNotFound(departments.population.department_name, "id number")
    return citizen.citizen_id


async def _fetch(bill_type: str, identifier: str, departments: Departments) -> BillRecord:
    if bill_type in UTILITY_TYPES:
        account = await departments.utility(bill_type).get_account(identifier)
        if account.bill_type != bill_type:
            raise WrongAccount(
                f"户号 {mask_account(identifier)} 是{BILL_TYPE_NAMES[account.bill_type]}户号，"
                f"不是{BILL_TYPE_NAMES[bill_type]}户号。请发{IDENTIFIER_NAMES[bill_type]}。"
            )
        return account
    if bill_type == "social_security":
        return await departments.hrss.social_security(await _citizen_id_for(identifier, departments))
    if bill_type == "housing_fund":
        if identifier.startswith("GJJ"):
            return await departments.housing_fund.get_account(identifier)
        citizen_id = await _citizen_id_for(identifier, departments)
        return await departments.housing_fund.account_for_citizen(citizen_id)
    return await departments.traffic.violations(identifier)


async def fetch_record(bill_type: str, identifier: str, departments: Departments = DEFAULT) -> BillRecord:
    """The department's record. Raises WrongAccount for unknown or mismatched identifiers and
    DepartmentUnavailable when the department cannot answer now."""
    try:
        return await _fetch(bill_type, identifier, departments)
    except RecordNotFound as error:
        shown = identifier if bill_type == "traffic_fine" else mask_account(identifier)
        raise WrongAccount(
            f"没有查到{IDENTIFIER_NAMES[bill_type]} {shown} 的记录，请核对后再发一次。"
        ) from error


async def bill_answer(
    bill_type: str, identifier: str, period: str | None, today: date, departments: Departments = DEFAULT
) -> str:
    """The dialogue's answer; the gateway's agent console passes its own department clients."""
    record = await fetch_record(bill_type, identifier, departments)
    if isinstance(record, UtilityAccount):
        return replies.utility_reply(record, period, today)
    if isinstance(record, SocialSecuritySummary):
        return replies.social_security_reply(record, identifier)
    if isinstance(record, HousingFundAccount):
        return replies.housing_fund_reply(record)
    return replies.violations_reply(identifier, record, today)


async def overview_line(bill_type: str, identifier: str) -> str:
    """One line per account for the "我的账单" overview."""
    record = await fetch_record(bill_type, identifier)
    name = BILL_TYPE_NAMES[bill_type]
    if isinstance(record, UtilityAccount):
        unpaid = [bill for bill in record.bills if bill.status != "paid"]
        if not unpaid:
            return f"{name}：没有欠费"
        return f"{name}：{len(unpaid)} 期未缴，共 {replies.money(sum(bill.amount for bill in unpaid))}"
    if isinstance(record, SocialSecuritySummary):
        return f"{name}：{record.status}，累计缴费 {record.contribution_months} 个月"
    if isinstance(record, HousingFundAccount):
        return f"{name}：余额 {replies.money(record.balance)}"
    pending = [violation for violation in record if violation.status != "已处理"]
    return (
        f"{name}：{identifier} {len(pending)} 条未处理" if pending else f"{name}：{identifier} 没有未处理违章"
    )
