"""One department lookup per bill type, shared by the dialogue, the agent console and payment;
the bill type's `kind` chooses how the record is fetched and worded, never a type check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from departments import bill_replies
from departments.base import RecordNotFound
from departments.bill_types import BILL_TYPES, BillType, RecordKind
from departments.registry import Departments, departments
from departments.utility import Bill, UtilityAccount

BillRecord = bill_replies.BillRecord


class WrongAccount(Exception):
    """The identifier is unknown, or belongs to another bill type; `message` tells the citizen."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def _citizen_id_for(id_number: str, registry: Departments) -> str:
    citizen = await registry.population.find_by_id_number(id_number)
    if citizen is None:
        raise RecordNotFound(registry.population.department_name, "id number")
    return citizen.citizen_id


async def _billed(row: BillType, identifier: str, registry: Departments) -> BillRecord:
    account = await registry.billing(row.id).get_account(identifier)
    if account.bill_type != row.id:
        other = BILL_TYPES.get(account.bill_type)
        other_name = other.name if other else account.bill_type
        other_word = other.account_word if other else row.account_word
        raise WrongAccount(
            f"{row.shown(identifier)} 是{other_name}{other_word}，"
            f"不是{row.name}{row.account_word}。请发{row.identifier_name}。"
        )
    return account


async def _social_security(row: BillType, identifier: str, registry: Departments) -> BillRecord:
    return await registry.hrss.social_security(await _citizen_id_for(identifier, registry))


async def _housing_fund(row: BillType, identifier: str, registry: Departments) -> BillRecord:
    if identifier.startswith(row.account_prefix):
        return await registry.housing_fund.get_account(identifier)
    return await registry.housing_fund.account_for_citizen(await _citizen_id_for(identifier, registry))


async def _traffic(row: BillType, identifier: str, registry: Departments) -> BillRecord:
    return await registry.traffic.violations(identifier)


_FETCHERS: dict[RecordKind, Callable[[BillType, str, Departments], Awaitable[BillRecord]]] = {
    "billed": _billed,
    "social_security": _social_security,
    "housing_fund": _housing_fund,
    "traffic": _traffic,
}


async def fetch_record(bill_type: str, identifier: str, registry: Departments | None = None) -> BillRecord:
    """The department's record. Raises WrongAccount for unknown or mismatched identifiers and
    DepartmentUnavailable when the department cannot answer now."""
    row = BILL_TYPES[bill_type]
    try:
        return await _FETCHERS[row.kind](row, identifier, registry or departments())
    except RecordNotFound as error:
        raise WrongAccount(
            f"没有查到{row.identifier_name} {row.shown(identifier)} 的记录，请核对后再发一次。"
        ) from error


async def bill_answer(
    bill_type: str, identifier: str, period: str | None, today: date, registry: Departments | None = None
) -> str:
    """The full answer, as the dialogue and the agent console show it."""
    record = await fetch_record(bill_type, identifier, registry)
    return bill_replies.reply(BILL_TYPES[bill_type], record, identifier, period, today)


async def overview_line(bill_type: str, identifier: str, registry: Departments | None = None) -> str:
    """One line per account for the "我的账单" overview."""
    record = await fetch_record(bill_type, identifier, registry)
    return bill_replies.overview_line(BILL_TYPES[bill_type], record, identifier)


async def unpaid_bills(
    bill_type: str, identifier: str, registry: Departments | None = None
) -> tuple[UtilityAccount, list[Bill]]:
    """The account of a billed type and its unpaid bills, oldest first, for paying them."""
    record = await fetch_record(bill_type, identifier, registry)
    assert isinstance(record, UtilityAccount), f"{bill_type} is not a billed type"
    return record, [bill for bill in record.bills if bill.status != "paid"]
