"""The pure parts of the appointment dialogue: reading names, phones and service items,
choosing which clinic was meant, and the wording of choices and confirmations."""

from __future__ import annotations

import json
from datetime import date

import pytest

from actions.appointments import replies
from actions.appointments.services import (
    resolved_resource,
    resource_from_ids,
    service_from_entities,
    service_from_text,
)
from departments.appointments import Booking, Clinic, Hall, HallService, Hospital, Resolution, Slot
from departments.base import idempotency_key
from understanding.appointments import (
    corrected_part,
    says_relation_only,
    typed_name,
    typed_phone,
    wants_reschedule,
)

TODAY = date(2026, 11, 24)


def slot(start: str, period: str = "morning", day: str = "2026-11-25") -> Slot:
    return Slot("H01-NK", day, "周三", start, start[:3] + "30", period, 2)


def booking(**changes: str) -> Booking:
    fields = {
        "booking_no": "H20261125-0001",
        "status": "booked",
        "kind": "hospital",
        "resource_id": "H01-NK",
        "resource_name": "示例市立医院 内科",
        "address": "环翠区和平路70号",
        "service_name": None,
        "date": "2026-11-25",
        "weekday": "周三",
        "start": "09:30",
        "end": "10:00",
        "citizen_name": "李明",
        "phone": "13912345678",
        "replaced_by": None,
    }
    return Booking(**{**fields, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "asked", "expected"),
    [
        ("我叫李明，电话13912345678", False, "李明"),
        ("我叫李明电话139", False, "李明"),
        ("姓名：欧阳娜娜", False, "欧阳娜娜"),
        ("王芳", True, "王芳"),
        ("王芳", False, None),
        ("好的", True, None),
        ("你是机器人吗", True, None),
        ("明天上午市医院", True, None),
        ("我是她儿媳妇，后天上午内科，老人家叫赵凤霞，电话13933335555", False, "赵凤霞"),
        ("约后天儿科，叫冯小宝，电话13900009999", False, "冯小宝"),
        ("叫冯小宝", True, "冯小宝"),
        ("孩子叫李浩然", True, "李浩然"),
        ("他们叫我去医院", False, None),
    ],
)
def test_typed_name(text: str, asked: bool, expected: str | None) -> None:
    assert typed_name(text, asked) == expected


def test_typed_phone_takes_mobiles_anywhere_and_other_digits_only_when_asked() -> None:
    assert typed_phone("电话13912345678，明天上午", asked=False) == "13912345678"
    assert typed_phone("1391234", asked=False) is None
    assert typed_phone("139 1234", asked=True) == "1391234"
    assert typed_phone("明天", asked=True) is None


def test_who_the_citizen_is_to_the_patient_is_no_name() -> None:
    assert says_relation_only("我是她儿子")
    assert says_relation_only("我是病人家属。")
    assert not says_relation_only("我是她儿子，我妈叫周淑芬")
    assert typed_name("我是她儿子", asked=True) is None


def test_reschedule_words() -> None:
    assert wants_reschedule("改到后天")
    assert wants_reschedule("能不能换个时间")
    assert not wants_reschedule("预约明天上午")


def test_service_items_from_words_buttons_and_guide_topics() -> None:
    assert service_from_text("去政务大厅办港澳通行证，带身份证") == "hk_macao_permit"
    assert service_from_text("办护照") == "passport"
    assert service_from_text("看病") is None
    assert service_from_entities(["passport"]) == "passport"
    assert service_from_entities(["hk_macao_permit.apply"]) == "hk_macao_permit"
    assert service_from_entities(["social_security.card_lost"]) == "social_security_card"
    assert service_from_entities(["weather"]) is None


def test_resource_ids_from_payloads() -> None:
    assert resource_from_ids(["H01", "H01-NK"]) == "H01-NK"
    assert resource_from_ids(["G02"]) == "G02"
    assert resource_from_ids(["儿科", "H01"]) is None


def test_resolution_picks_one_clinic_or_leaves_the_choice() -> None:
    paediatrics = [
        Clinic("H01-EK", "儿科", "H01", "示例市立医院"),
        Clinic("H03-EK", "儿科", "H03", "示例市妇女儿童医院"),
    ]
    city = Hospital("H01", "示例市立医院", "环翠区和平路70号", "周一至周六", paediatrics[:1])
    hall = Hall(
        "G01", "示例市政务服务中心", "环翠区青岛中路140号", "周一至周五", [HallService("passport", "护照")]
    )
    assert resolved_resource(Resolution([], paediatrics, [])) == (None, None)
    assert resolved_resource(Resolution([city], paediatrics[:1], [])) == ("H01-EK", "H01")
    assert resolved_resource(Resolution([city], [], [])) == (None, "H01")
    assert resolved_resource(Resolution([], [], [hall])) == ("G01", None)
    assert resolved_resource(Resolution([], [], [])) == (None, None)


def test_slot_buttons_carry_date_and_time_in_the_payload() -> None:
    button = replies.slot_button(slot("09:30"), TODAY, with_day=True)
    assert button["title"] == "明天 11月25日（周三） 09:30"
    assert button["payload"].startswith("/inform{")
    assert json.loads(button["payload"].removeprefix("/inform")) == {"date": "2026-11-25", "time": "09:30"}
    rebook = replies.slot_button(
        slot("14:00", "afternoon"), TODAY, False, "book_appointment", clinic="H01-NK"
    )
    assert rebook["title"] == "14:00-14:30"
    assert json.loads(rebook["payload"].removeprefix("/book_appointment"))["clinic"] == "H01-NK"


def test_spread_slots_offers_morning_and_afternoon() -> None:
    mornings = [slot(f"0{hour}:00") for hour in range(8, 10)] + [slot("10:00"), slot("11:00")]
    afternoons = [slot(f"1{hour}:00", "afternoon") for hour in range(4, 7)]
    chosen = replies.spread_slots(mornings + afternoons, limit=6)
    assert [s.start for s in chosen] == ["08:00", "09:00", "10:00", "14:00", "15:00", "16:00"]
    assert replies.spread_slots(mornings, limit=3) == mornings[:3]


def test_confirmation_and_booking_texts_mask_the_citizen() -> None:
    text = replies.summary(
        "示例市立医院 内科", None, date(2026, 11, 25), "09:30", "李明", "13912345678", TODAY
    )
    assert "139****5678" in text and "13912345678" not in text and "李*" in text
    assert "明天 11月25日（周三） 09:30" in text
    assert "改约" in replies.confirm_text(text, rescheduling=True)
    booked = replies.booked_text(booking(), TODAY)
    assert "预约号：H20261125-0001" in booked and "139****5678" in booked and "13912345678" not in booked
    moved = replies.booked_text(
        booking(booking_no="H20261126-0002"), TODAY, rescheduled_from="H20261125-0001"
    )
    assert "原预约 H20261125-0001 已取消" in moved


def test_bookings_list_and_cancel_choices() -> None:
    assert "没有" in replies.bookings_text([], TODAY)
    two = [
        booking(),
        booking(booking_no="G20261126-0001", resource_name="示例市政务服务中心", service_name="护照"),
    ]
    listed = replies.bookings_text(two, TODAY)
    assert "2 个预约" in listed and "1. 明天" in listed and "（护照）" in listed
    buttons = replies.cancel_buttons(two, TODAY)
    assert buttons[1]["payload"] == '/cancel_appointment{"booking_no":"G20261126-0001"}'


def test_booking_key_depends_on_sender_and_contents_only() -> None:
    first = idempotency_key("appt", "web:1", "H01-NK", "2026-11-25", "09:30")
    assert first == idempotency_key("appt", "web:1", "H01-NK", "2026-11-25", "09:30")
    assert first != idempotency_key("appt", "web:2", "H01-NK", "2026-11-25", "09:30")
    assert first != idempotency_key("appt", "web:1", "H01-NK", "2026-11-25", "10:00")
    assert len(first) <= 128


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("我是她女儿，给我妈约的，她叫王秀英", "王秀英"),
        ("我是他儿子，病人叫赵大山，电话13900001111", "赵大山"),
        ("我叫李明，电话13912345678", "李明"),
        ("我是家属", None),
        ("我是她老伴", None),
        ("我是她闺女，我妈叫孙桂兰", "孙桂兰"),
        ("帮我老伴儿约个号，我老伴儿叫刘德顺", "刘德顺"),
        ("孩子名字叫王小明，电话13900001111", "王小明"),
        ("给我爸挂号，我是他儿子", None),
    ],
)
def test_the_booking_is_made_for_the_person_named_not_the_speaker(text: str, name: str | None) -> None:
    assert typed_name(text, asked=False) == name


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("明天上午，不对，后天上午", "后天上午"),
        ("周五吧，哦不，周六", "周六"),
        ("12月5号下午，不，12月7号上午", "12月7号上午"),
        ("后天上午市立医院内科，不对，是骨科", "骨科"),
        ("我不是本人", None),
        ("不对", None),
        ("市立医院内科", None),
    ],
)
def test_the_words_after_a_self_correction(text: str, rest: str | None) -> None:
    assert corrected_part(text) == rest
