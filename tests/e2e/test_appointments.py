"""Hospital and government-hall appointments through POST /api/chat against the real stack.

Web chat users are anonymous, so name and phone come from the conversation; they see and
cancel only the bookings made in the conversation unless they verify who they are. "1", "2" pick
the numbered buttons, as a citizen on a text channel would. Concurrent booking of the last
place is covered at the sandbox level (tests/sandbox/test_appointments.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import httpx
import pytest

from bot.brain import BUSY_MESSAGE
from scripts.stack import Stack
from tests.e2e.chat import WebCitizen
from tests.e2e.conversations import said_while_the_action_server_dies

pytestmark = pytest.mark.e2e
BEIJING = timezone(timedelta(hours=8))


def open_day() -> date:
    """A day after today (in the city) on which clinics open: never a Sunday."""
    day = datetime.now(BEIJING).date() + timedelta(days=1)
    return day if day.isoweekday() != 7 else day + timedelta(days=1)


def day_words(day: date) -> str:
    return f"{day.month}月{day.day}号"


def choice_of(citizen: WebCitizen, message: str, title_end: str) -> tuple[str, list[str]]:
    """Sends `message` and returns the reply text and the number of the button ending with
    `title_end`, as the citizen would type it."""
    reply = citizen.say(message)
    titles = [button["title"] for item in reply for button in item.get("buttons", [])]
    number = next(str(index) for index, title in enumerate(titles, start=1) if title.endswith(title_end))
    return number, titles


def test_booking_with_all_details_at_once(citizen: WebCitizen) -> None:
    day = open_day()
    confirm = citizen.say_text(f"帮我约{day_words(day)}上午9点市立医院内科，我叫李明，电话13912345678")
    assert "请确认预约" in confirm and "示例市立医院 内科" in confirm and "09:00" in confirm
    assert "139****5678" in confirm and "13912345678" not in confirm
    booked = citizen.say_text("1")
    assert "预约成功" in booked and "预约号：H" in booked
    assert "09:00-09:30" in booked and "13912345678" not in booked


def test_booking_slot_by_slot_then_rescheduling_listing_and_cancelling(citizen: WebCitizen) -> None:
    assert "您要约哪里" in citizen.say_text("我要挂号")
    number, titles = choice_of(citizen, "市立医院", " 内科")
    assert any(title.endswith(" 骨科") for title in titles)
    assert "哪天" in citizen.say_text(number)
    times = citizen.say_text(f"{day_words(open_day())}下午")
    assert "下午还有这些时间" in times
    assert "姓名" in citizen.say_text("1")
    assert "手机号" in citizen.say_text("王芳")
    assert "格式不对" in citizen.say_text("1380000")
    confirm = citizen.say_text("13800001111")
    assert "请确认预约" in confirm and "王*" in confirm and "138****1111" in confirm
    booked = citizen.say_text("确认")
    assert "预约成功" in booked
    booking_no = next(line for line in booked.splitlines() if line.startswith("预约号：")).removeprefix(
        "预约号："
    )

    later = open_day() + timedelta(days=1)
    later = later if later.isoweekday() != 7 else later + timedelta(days=1)
    times = citizen.say_text(f"改到{day_words(later)}")
    assert "还有这些时间" in times
    assert "请确认改约到" in citizen.say_text("1")
    moved = citizen.say_text("确认")
    assert f"原预约 {booking_no} 已取消" in moved
    booking_no = next(line for line in moved.splitlines() if line.startswith("预约号：")).removeprefix(
        "预约号："
    )

    listed = citizen.say_text("我的预约")
    assert booking_no in listed and "1 个预约" in listed

    confirm = citizen.say_text("取消预约")
    assert "确认取消" in confirm and booking_no in confirm and "不取消" in confirm
    assert "已取消" not in confirm
    assert "已取消" in citizen.say_text("1")
    assert "没有待办的预约" in citizen.say_text("查看我的预约")


def test_fully_booked_clinic_proposes_alternatives(citizen: WebCitizen) -> None:
    reply = citizen.say_text("预约市立医院骨科")
    assert "约满" in reply and "内科" in reply and "骨科" not in reply.split("约满")[1]


def test_past_date_sunday_and_invalid_phone_get_clear_answers(citizen: WebCitizen) -> None:
    citizen.say("预约中医院针灸科")
    assert "已经过去" in citizen.say_text("昨天")
    today = datetime.now(BEIJING).date()
    sunday = today + timedelta(days=(6 - today.weekday()) or 7)
    closed = citizen.say_text(day_words(sunday))
    assert "周日不开放" in closed and "最近能约的时间" in closed
    assert "姓名" in citizen.say_text("1")
    assert "不约了" in citizen.say_text("算了")


def test_interrupted_form_comes_back_and_can_be_stopped(citizen: WebCitizen) -> None:
    assert "您要约哪里" in citizen.say_text("我要挂号")
    interrupted = citizen.say_text("你是机器人吗")
    assert "智能助手" in interrupted and "您要约哪里" in interrupted
    assert "哪天" in citizen.say_text("市立医院内科")
    materials = citizen.say_text("要带什么材料")
    assert "身份证" in materials and "哪天" in materials
    assert "不约了" in citizen.say_text("算了")
    assert "您要约哪里" in citizen.say_text("我要预约")


def test_booking_again_after_cancelling_makes_a_new_booking(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    """A retry of one confirmation is one booking; a new request after a cancellation is a new
    one, and the citizen is never shown the cancelled booking as booked."""
    day = open_day()
    request = f"帮我约{day_words(day)}下午3点市立医院内科，我叫赵敏，电话13955556666"
    assert "请确认预约" in citizen.say_text(request)
    first = citizen.say_text("1")
    first_no = next(line for line in first.splitlines() if line.startswith("预约号：")).removeprefix(
        "预约号："
    )
    assert "确认取消" in citizen.say_text("取消预约")
    assert "已取消" in citizen.say_text("1")

    assert "请确认预约" in citizen.say_text(request)
    second = citizen.say_text("1")
    assert "预约成功" in second
    second_no = next(line for line in second.splitlines() if line.startswith("预约号：")).removeprefix(
        "预约号："
    )
    assert second_no != first_no
    stored = sandbox.get("/appointments/v1/bookings", params={"phone": "13955556666"}).json()
    assert {item["booking_no"]: item["status"] for item in stored} == {
        first_no: "cancelled",
        second_no: "booked",
    }


def test_a_day_beyond_the_window_is_named_and_explained_not_called_full(citizen: WebCitizen) -> None:
    today = datetime.now(BEIJING).date()
    week_after_next = today - timedelta(days=today.weekday()) + timedelta(days=14 + 2)  # 下下周三
    citizen.say("预约中医院针灸科")
    reply = citizen.say_text("下下周三")
    assert f"{week_after_next.month}月{week_after_next.day}日" in reply
    assert "还不能约" in reply and "最多只能约7天内" in reply and "约满" not in reply
    assert "不约了" in citizen.say_text("算了")


def test_a_booking_for_a_parent_is_made_in_the_parents_name(citizen: WebCitizen) -> None:
    day = open_day()
    confirm = citizen.say_text(
        f"我是她女儿，给我妈约{day_words(day)}上午10点市立医院内科，她叫王秀英，电话13977778888"
    )
    assert "王**" in confirm and "她**" not in confirm
    assert "不约了" in citizen.say_text("算了")


def test_a_bill_question_while_booking_is_answered_and_the_booking_goes_on(citizen: WebCitizen) -> None:
    assert "哪天" in citizen.say_text("预约市立医院内科")
    aside = citizen.say_text("对了，查一下水费 3100012345")
    assert "86.40元" in aside and "哪天" in aside
    times = citizen.say_text(f"{day_words(open_day())}上午")
    assert "上午还有这些时间" in times
    assert "不约了" in citizen.say_text("算了")


def test_a_phone_number_alone_no_longer_lists_or_cancels_someones_bookings(
    stack: Stack, sandbox: httpx.Client
) -> None:
    """Another browser knowing the phone gets the verification step, whose code would go only to
    a registered phone (this one is not: same reply, no SMS), never the bookings."""
    booker, later = WebCitizen(stack.gateway_url), WebCitizen(stack.gateway_url)
    day = open_day()
    booker.say(f"帮我约{day_words(day)}上午11点市立医院内科，我叫钱进，电话13944445555")
    booked = booker.say_text("1")
    assert "预约成功" in booked
    booking_no = next(line for line in booked.splitlines() if line.startswith("预约号：")).removeprefix(
        "预约号："
    )

    # Knowing the booking number is not enough to move it either.
    mover = WebCitizen(stack.gateway_url)
    moved = mover.say_text(f"把预约{booking_no}改到{day_words(day + timedelta(days=1))}")
    assert "改约" not in moved and "钱" not in moved and "139****5555" not in moved

    asked = later.say_text("我的预约")
    assert "验证" in asked and "个预约" not in asked
    reply = later.say_text("13944445555")
    assert "如果该号码登记在册" in reply and "个预约" not in reply and "预约号" not in reply

    again = WebCitizen(stack.gateway_url).say_text("查一下我的预约，手机号13944445555")
    assert "如果该号码登记在册" in again and "个预约" not in again

    canceller = WebCitizen(stack.gateway_url)
    cancel = canceller.say_text("取消预约")
    assert "验证" in cancel and "已取消" not in cancel
    assert "已取消" not in canceller.say_text("13944445555")
    assert sandbox.get("/sms/v1/messages", params={"phone": "13944445555"}).json()["messages"] == []
    stored = sandbox.get("/appointments/v1/bookings", params={"phone": "13944445555"}).json()
    assert [(item["booking_no"], item["status"]) for item in stored] == [(booking_no, "booked")]


def test_a_hall_booking_remembers_the_service_named_first(citizen: WebCitizen) -> None:
    assert "政务" in citizen.say_text("预约政务大厅办护照")
    asked = citizen.say_text("1")
    assert "哪天" in asked and "办什么事" not in asked
    assert "不约了" in citizen.say_text("算了")


def test_a_time_outside_the_opening_hours_is_explained(citizen: WebCitizen) -> None:
    citizen.say("预约市立医院内科")
    reply = citizen.say_text(f"{day_words(open_day())}晚上8点")
    assert "20:00不在办理时间内" in reply and "约满" not in reply
    assert "不约了" in citizen.say_text("算了")


def test_a_booking_of_unknown_outcome_is_looked_up_before_anything_more_is_said(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    """The booking platform fails the write and the look-up by its key: the citizen is told the
    outcome is unknown, never booked or not booked. Asked for the bookings afterwards, the
    assistant first asks the platform what the write did, and says what its record says."""
    phone = "13955557777"
    day = datetime.now(BEIJING).date() + timedelta(days=5)
    day = day if day.isoweekday() != 7 else day + timedelta(days=1)
    confirm = citizen.say_text(f"帮我约{day_words(day)}上午10点中医院针灸科，我叫欧阳丽，电话{phone}")
    assert "请确认预约" in confirm, confirm
    sandbox.post("/_faults/appointments", json={"mode": "error"}).raise_for_status()
    unknown = citizen.say_text("1")
    sandbox.delete("/_faults").raise_for_status()
    assert "暂时不能确认是否约上" in unknown, unknown
    assert "预约成功" not in unknown and "没有约上" not in unknown, unknown
    stored = sandbox.get("/appointments/v1/bookings", params={"phone": phone}).json()
    assert stored == []
    listed = citizen.say_text("我的预约")
    assert "没有记录，没有约上" in listed and "预约成功" not in listed, listed


@pytest.mark.parametrize("then", ["我的预约", "确认"], ids=["listed", "confirmed_again"])
def test_a_booking_cut_off_by_the_action_server_dying_is_looked_up_before_anything_more_is_said(
    stack: Stack, sandbox: httpx.Client, then: str
) -> None:
    """The action server dies while the booking platform is still to answer the write (it hangs,
    so the write is never stored): the citizen gets the busy answer, never a booking. Asked for
    the bookings once the server is back, or sending the confirmation again, the citizen is told
    what the platform's record says (no such booking, book again), never "还有什么可以帮您"."""
    citizen = WebCitizen(stack.gateway_url)
    phone = "13955558888" if then == "我的预约" else "13955558887"
    day = datetime.now(BEIJING).date() + timedelta(days=6)
    day = day if day.isoweekday() != 7 else day - timedelta(days=1)
    confirm = citizen.say_text(f"帮我约{day_words(day)}上午11点中医院针灸科，我叫司马兰，电话{phone}")
    assert "请确认预约" in confirm, confirm
    sandbox.post("/_faults/appointments", json={"mode": "timeout"}).raise_for_status()
    busy = said_while_the_action_server_dies(stack, citizen, "1", "/appointments/v1/bookings")
    sandbox.delete("/_faults").raise_for_status()
    assert busy == BUSY_MESSAGE, busy
    assert sandbox.get("/appointments/v1/bookings", params={"phone": phone}).json() == []
    told = citizen.say_text(then)
    assert "没有记录，没有约上" in told and "预约成功" not in told and "还有什么" not in told, told
    assert "重新预约" in told, told


def test_a_cancellation_whose_answer_was_lost_is_told_from_the_departments_record(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    """The booking platform cancels but its answer never comes back: the citizen is told it is
    cancelled, as the platform's record says, not that the cancellation failed."""
    phone = "13955559999"
    day = datetime.now(BEIJING).date() + timedelta(days=3)
    day = day if day.isoweekday() != 7 else day + timedelta(days=1)
    citizen.say(f"帮我约{day_words(day)}下午3点中医院针灸科，我叫上官云，电话{phone}")
    booked = citizen.say_text("1")
    assert "预约成功" in booked, booked
    assert "确认取消" in citizen.say_text("取消预约")
    sandbox.post("/_faults/appointments", json={"mode": "lost"}).raise_for_status()
    reply = citizen.say_text("确认")
    sandbox.delete("/_faults").raise_for_status()
    stored = sandbox.get("/appointments/v1/bookings", params={"phone": phone}).json()
    assert [item["status"] for item in stored] == ["cancelled"], stored
    assert "已取消" in reply and "没有取消成功" not in reply, reply
