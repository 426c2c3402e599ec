"""What the citizen reads about complaints, as pure functions of the ticket records."""

from __future__ import annotations

from actions.forms import Button, payload
from common.masking import mask_phone
from departments.complaints import ComplaintCategory, Ticket

MAX_ALTERNATIVES = 2
ANONYMOUS = "anonymous"
OTHER_CATEGORY = "other"
RATING_LABELS = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}


def contact_label(contact: str | None, linked_phone: str | None) -> str:
    if contact == ANONYMOUS:
        return "匿名"
    return mask_phone(contact or linked_phone or "")


def confirm_text(description: str, location: str | None, contact: str, category: ComplaintCategory) -> str:
    lines = ["我帮您整理好了：", f"问题：{description}"]
    if location:
        lines.append(f"地点：{location}")
    lines.append(f"联系方式：{contact}")
    lines.append(f"归类为：{category.name}（转{category.department}），对吗？")
    return "\n".join(lines)


def confirm_buttons(alternatives: list[ComplaintCategory]) -> list[Button]:
    buttons = [{"title": "对，提交", "payload": "/affirm"}]
    buttons += [
        {
            "title": f"改为：{category.name}",
            "payload": payload("inform", {"complaint_category": category.category}),
        }
        for category in alternatives[:MAX_ALTERNATIVES]
    ]
    buttons.append({"title": "都不对", "payload": payload("inform", {"complaint_category": OTHER_CATEGORY})})
    return buttons


def category_buttons(categories: list[ComplaintCategory]) -> list[Button]:
    return [
        {"title": category.name, "payload": payload("inform", {"complaint_category": category.category})}
        for category in categories
    ]


def filed_text(ticket: Ticket) -> str:
    return (
        f"已受理！工单号：{ticket.ticket_id}\n"
        f"已转{ticket.department}（{ticket.category_name}）处理。\n"
        "查进度请说“我的投诉进度”或直接发工单号。"
    )


def short_time(timestamp: str) -> str:
    """ "2026-11-01T20:14:00+08:00" → "11月1日 20:14"."""
    day, _, clock = timestamp.partition("T")
    _, month, date_of_month = day.split("-")
    return f"{int(month)}月{int(date_of_month)}日 {clock[:5]}"


def ticket_text(ticket: Ticket) -> str:
    lines = [
        f"工单 {ticket.ticket_id}：{ticket.title}",
        f"状态：{ticket.status}（{ticket.department}）",
        "进展：",
    ]
    for event in ticket.history:
        lines.append(f"{short_time(event.at)} {event.status}" + (f"：{event.note}" if event.note else ""))
    if ticket.satisfaction is not None:
        lines.append(f"您的评价：{ticket.satisfaction}分")
    elif ticket.can_be_rated:
        lines.append("已经办结了，请给处理结果打分，回复数字：")
    return "\n".join(lines)


def rating_buttons(ticket_id: str) -> list[Button]:
    return [
        {
            "title": f"{score}分 {label}",
            "payload": payload("rate_service", {"ticket_id": ticket_id, "rating": str(score)}),
        }
        for score, label in RATING_LABELS.items()
    ]


def tickets_text(tickets: list[Ticket]) -> str:
    if not tickets:
        return "没有查到您的投诉记录。如有工单号，请直接发工单号（如 12345-20261101-0001）。"
    lines = [f"您有 {len(tickets)} 件投诉："]
    lines += [
        f"{index}. {ticket.ticket_id} {ticket.title}：{ticket.status}"
        for index, ticket in enumerate(tickets, start=1)
    ]
    lines.append("要看哪一件的详情？请回复数字：")
    return "\n".join(lines)


def ticket_buttons(tickets: list[Ticket]) -> list[Button]:
    return [
        {"title": ticket.ticket_id, "payload": payload("query_complaint", {"ticket_id": ticket.ticket_id})}
        for ticket in tickets
    ]


def rated_text(ticket: Ticket) -> str:
    return f"感谢您的评价！工单 {ticket.ticket_id} 评为 {ticket.satisfaction} 分。"
