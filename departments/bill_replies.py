"""The short Chinese answers of bill queries: amount, period, status, due date, how to pay.

Identifiers are always masked; every function is pure so wording is tested without a stack.
`reply` and `overview_line` choose the wording by the bill type's kind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from common.masking import mask_account, mask_id_number
from common.time_words import month_label
from departments.bill_types import BILL_TYPES, BillType, RecordKind
from departments.housing_fund import HousingFundAccount
from departments.hrss import SocialSecuritySummary
from departments.traffic import Violation
from departments.utility import Bill, UtilityAccount

BillRecord = UtilityAccount | SocialSecuritySummary | HousingFundAccount | list[Violation]
STATUS_NAMES = {"paid": "已缴", "unpaid": "未缴", "overdue": "已逾期未缴"}


def money(amount: float) -> str:
    return f"{amount:,.2f}元"


def short_date(iso_date: str, today: date) -> str:
    year, month, day = (int(part) for part in iso_date.split("-"))
    return f"{month}月{day}日" if year == today.year else f"{year}年{month}月{day}日"


def bill_line(bill: Bill, unit: str, today: date) -> str:
    status = STATUS_NAMES.get(bill.status, bill.status)
    line = f"{month_label(bill.period, today)}：{money(bill.amount)}，{status}"
    if bill.status != "paid":
        overdue = date.fromisoformat(bill.due_date) < today
        line += f"，{'缴费期限' if not overdue else '已过期限'} {short_date(bill.due_date, today)}"
    if bill.usage is not None:
        line += f"（用量 {bill.usage:g}{unit}）"
    return line


def utility_reply(account: UtilityAccount, period: str | None, today: date) -> str:
    """The requested month's bill, or the latest one with a note when that month has none yet."""
    row = BILL_TYPES[account.bill_type]
    header = f"{row.name}（{row.account_word} {mask_account(account.account_number)}，{account.provider}）"
    bills = {bill.period: bill for bill in account.bills}
    latest = account.bills[-1] if account.bills else None
    lines = [header]
    if latest is None:
        lines.append("还没有账单记录。")
        return "\n".join(lines)
    chosen = bills.get(period) if period else latest
    if chosen is None:
        lines.append(f"{month_label(period, today)}的账单还没有出或没有记录，最近一期是：")
        chosen = latest
    lines.append(bill_line(chosen, account.usage_unit, today))
    unpaid = [bill for bill in account.bills if bill.status != "paid"]
    if unpaid:
        total = sum(bill.amount for bill in unpaid)
        if len(unpaid) > 1 or unpaid[0] is not chosen:
            lines.append(f"目前共有 {len(unpaid)} 期未缴，合计 {money(total)}。")
        lines.append(BILL_TYPES[account.bill_type].pay_hint)
    else:
        lines.append("没有欠费。")
    return "\n".join(lines)


def social_security_reply(summary: SocialSecuritySummary, id_number: str) -> str:
    years, months = divmod(summary.contribution_months, 12)
    lines = [f"社保（身份证 {mask_id_number(id_number)}）", f"状态：{summary.status}"]
    if summary.employer:
        lines.append(f"参保单位：{summary.employer}")
    lines.append(
        f"累计缴费 {summary.contribution_months} 个月（{years}年{months}个月），{summary.insured_since[:4]}年开始参保"
    )
    if summary.last_paid_period:
        year, month = summary.last_paid_period.split("-")
        lines.append(f"已缴到 {year}年{int(month)}月")
    if summary.monthly_pension:
        lines.append(f"每月养老金 {money(summary.monthly_pension)}")
    lines.append(f"医保个人账户余额 {money(summary.medical_account_balance)}")
    return "\n".join(lines)


def housing_fund_reply(account: HousingFundAccount) -> str:
    lines = [
        f"公积金（账号 {mask_account(account.account_number)}）",
        f"余额 {money(account.balance)}，每月缴存 {money(account.monthly_deposit)}",
        f"状态：{account.status}",
    ]
    if account.last_deposit_period:
        year, month = account.last_deposit_period.split("-")
        lines.append(f"已缴存到 {year}年{int(month)}月")
    if account.loan_outstanding:
        lines.append(f"公积金贷款待还本金 {money(account.loan_outstanding)}")
    return "\n".join(lines)


def violations_reply(plate: str, violations: list[Violation], today: date) -> str:
    pending = [v for v in violations if v.status != "已处理"]
    if not pending:
        handled = len(violations)
        return f"{plate} 没有未处理的违章。" + (f"（近期已处理 {handled} 条）" if handled else "")
    lines = [f"{plate} 有 {len(pending)} 条未处理违章："]
    for index, violation in enumerate(pending, start=1):
        lines.append(
            f"{index}. {short_date(violation.date, today)} {violation.location}，{violation.behavior}，"
            f"罚款{violation.fine:g}元，记{violation.points}分"
        )
    lines.append("处理：用“交管12123”App在线处理并缴罚款，或到车管所、交警大队窗口办理。")
    return "\n".join(lines)


def _billed_reply(record: Any, identifier: str, period: str | None, today: date) -> str:
    return utility_reply(record, period, today)


def _social_security_reply(record: Any, identifier: str, period: str | None, today: date) -> str:
    return social_security_reply(record, identifier)


def _housing_fund_reply(record: Any, identifier: str, period: str | None, today: date) -> str:
    return housing_fund_reply(record)


def _traffic_reply(record: Any, identifier: str, period: str | None, today: date) -> str:
    return violations_reply(identifier, record, today)


_REPLIES: dict[RecordKind, Callable[[Any, str, str | None, date], str]] = {
    "billed": _billed_reply,
    "social_security": _social_security_reply,
    "housing_fund": _housing_fund_reply,
    "traffic": _traffic_reply,
}


def reply(row: BillType, record: BillRecord, identifier: str, period: str | None, today: date) -> str:
    return _REPLIES[row.kind](record, identifier, period, today)


def _billed_line(record: Any, identifier: str) -> str:
    unpaid = [bill for bill in record.bills if bill.status != "paid"]
    if not unpaid:
        return "没有欠费"
    return f"{len(unpaid)} 期未缴，共 {money(sum(bill.amount for bill in unpaid))}"


def _social_security_line(record: Any, identifier: str) -> str:
    return f"{record.status}，累计缴费 {record.contribution_months} 个月"


def _housing_fund_line(record: Any, identifier: str) -> str:
    return f"余额 {money(record.balance)}"


def _traffic_line(record: Any, identifier: str) -> str:
    pending = [violation for violation in record if violation.status != "已处理"]
    return f"{identifier} {len(pending)} 条未处理" if pending else f"{identifier} 没有未处理违章"


_OVERVIEW_LINES: dict[RecordKind, Callable[[Any, str], str]] = {
    "billed": _billed_line,
    "social_security": _social_security_line,
    "housing_fund": _housing_fund_line,
    "traffic": _traffic_line,
}


def overview_line(row: BillType, record: BillRecord, identifier: str) -> str:
    return f"{row.name}：{_OVERVIEW_LINES[row.kind](record, identifier)}"
