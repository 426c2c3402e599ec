"""How a citizen's bookings read, the same in the dialogue and in the agent console."""

from __future__ import annotations

from datetime import date

from common.time_words import day_label
from departments.appointments import Booking


def booking_line(booking: Booking, today: date) -> str:
    day = date.fromisoformat(booking.date)
    what = (
        f"{booking.resource_name}（{booking.service_name}）"
        if booking.service_name
        else booking.resource_name
    )
    return f"{day_label(day, today)} {booking.start} {what}，预约号 {booking.booking_no}"


def bookings_text(bookings: list[Booking], today: date) -> str:
    if not bookings:
        return "您现在没有待办的预约。要预约请说“预约挂号”或“预约政务大厅”。"
    lines = [f"您有 {len(bookings)} 个预约："]
    lines += [f"{index}. {booking_line(booking, today)}" for index, booking in enumerate(bookings, start=1)]
    lines.append("要取消请说“取消预约”，改时间请说“改到后天”这样。")
    return "\n".join(lines)
