"""What the citizen reads about appointments, as pure functions of the records.

Phone numbers are always masked; every choice is a numbered button whose payload carries
the ids, so "1" from a text channel picks exactly what was shown.
"""

from __future__ import annotations

from datetime import date

from actions.forms import Button, payload
from common.masking import mask_name, mask_phone
from common.time_words import PERIOD_LABELS, day_label
from departments.appointment_text import booking_line, bookings_text
from departments.appointments import Booking, Clinic, Hall, Slot

MAX_SLOT_CHOICES = 6
BOOKING_TIPS = {
    "hospital": "请带身份证或医保卡，提前15分钟到医院签到。",
    "gov_hall": "请带身份证和办事材料，按预约时段到大厅取号。",
}


def slot_button(slot: Slot, today: date, with_day: bool, intent: str = "inform", **extra: str) -> Button:
    """ "明天 11月25日（周三）09:30" or "09:30"; the payload carries both date and time."""
    day = date.fromisoformat(slot.date)
    title = f"{day_label(day, today)} {slot.start}" if with_day else f"{slot.start}-{slot.end}"
    return {"title": title, "payload": payload(intent, {**extra, "date": slot.date, "time": slot.start})}


def spread_slots(slots: list[Slot], limit: int = MAX_SLOT_CHOICES) -> list[Slot]:
    """At most `limit` slots, half from the morning and half from the afternoon when the
    citizen named no period, so both are on offer."""
    mornings = [slot for slot in slots if slot.period == "morning"]
    afternoons = [slot for slot in slots if slot.period == "afternoon"]
    if not mornings or not afternoons:
        return slots[:limit]
    half = limit // 2
    chosen = mornings[: max(half, limit - len(afternoons))]
    chosen += afternoons[: limit - len(chosen)]
    return chosen


def day_slots_text(name: str, day: date, period: str | None, today: date) -> str:
    when = day_label(day, today) + (PERIOD_LABELS[period] if period else "")
    return f"{name} {when}还有这些时间可约，请回复数字："


def clinic_buttons(clinics: list[Clinic]) -> list[Button]:
    return [
        {
            "title": f"{clinic.hospital_name} {clinic.name}",
            "payload": payload("inform", {"clinic": clinic.clinic_id}),
        }
        for clinic in clinics
    ]


def hall_buttons(halls: list[Hall]) -> list[Button]:
    return [{"title": hall.name, "payload": payload("inform", {"clinic": hall.hall_id})} for hall in halls]


def service_buttons(hall: Hall) -> list[Button]:
    return [
        {"title": service.name, "payload": payload("inform", {"service_item": service.id})}
        for service in hall.services
    ]


def summary(
    resource_name: str, service_name: str | None, day: date, start: str, name: str, phone: str, today: date
) -> str:
    what = f"{resource_name}（{service_name}）" if service_name else resource_name
    return f"{what}\n时间：{day_label(day, today)} {start}\n预约人：{mask_name(name)} {mask_phone(phone)}"


def confirm_text(summary_text: str, rescheduling: bool) -> str:
    action = "改约到" if rescheduling else "预约"
    return f"请确认{action}：\n{summary_text}\n确认吗？"


CONFIRM_BUTTONS = [
    {"title": "确认", "payload": "/affirm"},
    {"title": "不约了", "payload": "/deny"},
]


def booked_text(booking: Booking, today: date, rescheduled_from: str | None = None) -> str:
    day = date.fromisoformat(booking.date)
    what = (
        f"{booking.resource_name}（{booking.service_name}）"
        if booking.service_name
        else booking.resource_name
    )
    head = f"已改约，原预约 {rescheduled_from} 已取消。" if rescheduled_from else "预约成功！"
    return (
        f"{head}\n预约号：{booking.booking_no}\n{what}\n"
        f"时间：{day_label(day, today)} {booking.start}-{booking.end}\n地址：{booking.address}\n"
        f"预约人：{mask_name(booking.citizen_name)} {mask_phone(booking.phone)}\n"
        f"{BOOKING_TIPS[booking.kind]}要取消请说“取消预约”，改时间请说“改到后天”这样。"
    )


def cancel_buttons(bookings: list[Booking], today: date) -> list[Button]:
    return [
        {
            "title": booking_line(booking, today),
            "payload": payload("cancel_appointment", {"booking_no": booking.booking_no}),
        }
        for booking in bookings
    ]


def cancelled_text(booking: Booking, today: date) -> str:
    return f"已取消：{booking_line(booking, today)}。"


__all__ = ["booking_line", "bookings_text"]
