"""The notices' words: short, plain, each saying what happened, what to do, and how to stop it.

Each composer returns a `Notice` (a title for template messages, the text for everything else);
the wording of the "stop" line matches what the dialogue understands ("退订水费提醒").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from common.masking import mask_account
from common.time_words import day_label
from departments.bill_types import BILL_TYPES
from knowledge_base.catalog import Catalog, load_catalog
from knowledge_base.config import RetrieverConfig

HOSPITAL_GUIDE = "health.hospital_registration"
MAX_MATERIALS = 4
STATUS_LINES = {
    "已受理": "已受理，正在分派给承办部门。",
    "已派单": "已派给{department}办理。",
    "处理中": "{department}正在处理。",
}


@dataclass(frozen=True)
class Notice:
    title: str
    text: str


def stop_line(topic_name: str) -> str:
    return f"不想再收{topic_name}，回复“退订{topic_name}”。"


def ticket_notice(data: dict[str, Any], hotline: str) -> Notice:
    ticket_id, status = str(data["ticket_id"]), str(data["status"])
    department = str(data.get("department") or "承办部门")
    if status == "已办结":
        reply = str(data.get("note") or "").strip().rstrip("。") or "问题已处理完毕"
        lines = [
            f"【{hotline}工单】您反映的“{data.get('title', '')}”（工单 {ticket_id}）已办结。",
            f"{department}答复：{reply}。",
            f"请为这次办理打分：回复“评价 {ticket_id}”，按1-5分评价。",
        ]
    else:
        state = STATUS_LINES.get(status, f"状态更新为：{status}。").format(department=department)
        lines = [f"【{hotline}工单】您的工单 {ticket_id}{state}"]
    lines.append(stop_line("投诉提醒"))
    return Notice(f"工单{status}", "\n".join(lines))


def bill_due_notice(data: dict[str, Any], today: date) -> Notice:
    row = BILL_TYPES[str(data["bill_type"])]
    due = date.fromisoformat(str(data["due_date"]))
    amount = f"{float(data['amount']):.2f}元"
    account = mask_account(str(data["account_number"]))
    lines = [
        f"【{row.name}提醒】户号 {account} 的{_period(str(data['period']))}{row.name} {amount}"
        f"还没交，{day_label(due, today)}到期。",
        "回复“缴费”即可办理。",
        stop_line(f"{row.name}提醒"),
    ]
    return Notice(f"{row.name}快到期", "\n".join(lines))


FINE = "traffic_fine"


def fine_due_notice(data: dict[str, Any], today: date) -> Notice:
    """A traffic fine not paid yet; its deadline is 15 days after the penalty decision, and each
    day late adds 3 % of the fine, at most the fine again (《行政处罚法》第七十二条)."""
    row = BILL_TYPES[FINE]
    due = date.fromisoformat(str(data["pay_by"]))
    day = date.fromisoformat(str(data["date"]))
    lines = [
        f"【{row.name}提醒】车牌 {data['plate_number']} {day.month}月{day.day}日的违章罚款"
        f"{float(data['fine']):g}元还没交，{day_label(due, today)}是缴款期限。",
        "逾期每天加罚罚款的3%，最多加到与罚款一样多。",
        row.pay_hint,
        stop_line(f"{row.name}提醒"),
    ]
    return Notice("交通罚款快到期", "\n".join(lines))


def payment_notice(data: dict[str, Any]) -> Notice:
    row = BILL_TYPES[str(data["bill_type"])]
    amount = f"{float(data['amount']):.2f}元"
    account = mask_account(str(data["account_number"]))
    lines = [
        f"【缴费成功】户号 {account} 的{_period(str(data['period']))}{row.name} {amount}已到账，谢谢。",
        stop_line(f"{row.name}提醒"),
    ]
    return Notice(f"{row.name}缴费成功", "\n".join(lines))


def appointment_notice(data: dict[str, Any], today: date) -> Notice:
    day = date.fromisoformat(str(data["date"]))
    service = data.get("service_name")
    what = f"办理{service}" if service else ("就诊" if data.get("kind") == "hospital" else "办事")
    when = f"{day_label(day, today)} {data['start']}-{data['end']}"
    lines = [
        f"【预约提醒】您预约了{when}在{data['resource_name']}{what}。",
        f"地址：{data['address']}。",
    ]
    materials = materials_for(data)
    if materials:
        lines.append(f"请带上：{'、'.join(materials)}。")
    lines.append(f"去不了请提前取消：回复“取消预约 {data['booking_no']}”。")
    lines.append(stop_line("预约提醒"))
    return Notice("预约提醒", "\n".join(lines))


OUTAGE_WORDS = {"gas": "停气", "water": "停水", "electricity": "停电"}
OUTAGE_ADVICE = {
    "gas": "请关好燃气阀门；来气后先开窗通风、检查无异味再用。",
    "water": "请提前储水，关好水龙头；来水后先放一会儿再用。",
    "electricity": "请提前做好准备，关好大功率电器；来电后再逐个打开。",
}


def outage_notice(data: dict[str, Any]) -> Notice:
    """Urgent: no stop line, since opting out does not hold back a safety notice."""
    bill_type = str(data.get("bill_type", ""))
    name = OUTAGE_WORDS.get(bill_type, "停供")
    when = _span(str(data.get("starts") or ""), str(data.get("ends") or ""))
    reason = str(data.get("reason") or "").strip().rstrip("。")
    lines = [
        f"【{name}通知】{data.get('area', '')}{when}{name}" + (f"，原因：{reason}。" if reason else "。"),
        str(data.get("advice") or OUTAGE_ADVICE.get(bill_type, "请提前做好准备。")),
    ]
    return Notice(f"{name}通知", "\n".join(lines))


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _span(starts: str, ends: str) -> str:
    """ " 12月3日 09:00至17:00": a department's ISO times as citizens read them, else as sent."""
    start, end = _moment(starts), _moment(ends)
    if start is None:
        return starts
    first = f"{start.month}月{start.day}日 {start:%H:%M}"
    if end is None:
        return f" {first}起"
    last = f"{end:%H:%M}" if end.date() == start.date() else f"{end.month}月{end.day}日 {end:%H:%M}"
    return f" {first}至{last}"


def materials_for(data: dict[str, Any]) -> list[str]:
    """What to bring, from the knowledge base's guide of the service booked."""
    guide_id = HOSPITAL_GUIDE if data.get("kind") == "hospital" else _guide_of(str(data.get("service") or ""))
    catalog = _catalog()
    if not guide_id or guide_id not in catalog:
        return []
    guide = catalog.get(guide_id).guide
    return list(guide.materials[:MAX_MATERIALS]) if guide else []


def _guide_of(service: str) -> str | None:
    """The first guide whose id starts with the service's name (passport -> passport.apply)."""
    if not service:
        return None
    prefix = service.split("_")[0]
    return next((entry for entry in _catalog().ids if entry.startswith(f"{service}.")), None) or next(
        (entry for entry in _catalog().ids if entry.startswith(f"{prefix}.")), None
    )


@lru_cache(maxsize=1)
def _catalog() -> Catalog:
    return load_catalog(RetrieverConfig.from_env().content_dir)


def _period(period: str) -> str:
    year, _, month = period.partition("-")
    return f"{year}年{int(month)}月" if month.isdigit() else period
