"""The booking platform over HTTP, on SQLite and on PostgreSQL: slots from the schedule,
the booking rules, idempotent booking and capacity under concurrent requests."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from sandbox.database import load_demo_data
from sandbox.routers.records import BEIJING, now
from tests.sandbox.conftest import post_all_at_once

DEMO = load_demo_data()
TEMPLATE = DEMO["slot_template"]
BOOKINGS = "/appointments/v1/bookings"


def beijing_today() -> date:
    return now().date()


def next_day(weekdays: set[int], after: int = 1) -> date:
    """The first day from `after` days on whose ISO weekday is in `weekdays`."""
    day = beijing_today() + timedelta(days=after)
    while day.isoweekday() not in weekdays:
        day += timedelta(days=1)
    return day


OPEN_DAY = next_day(set(TEMPLATE["weekdays"]))


def booking(
    resource: str = "H01-NK", day: date = OPEN_DAY, start: str = "09:00", **extra: Any
) -> dict[str, Any]:
    return {
        "resource": resource,
        "date": day.isoformat(),
        "start": start,
        "citizen_name": "张伟",
        "phone": "13805310001",
        **extra,
    }


def post_booking(
    client: TestClient | httpx.Client, body: dict[str, Any], key: str | None = None
) -> httpx.Response:
    return client.post(BOOKINGS, json=body, headers={"Idempotency-Key": key or uuid.uuid4().hex})


def remaining(client: TestClient | httpx.Client, resource: str, day: date, start: str) -> int:
    slots = client.get(
        "/appointments/v1/slots", params={"resource": resource, "date": day.isoformat()}
    ).json()
    return next((slot["remaining"] for slot in slots["slots"] if slot["start"] == start), 0)


def code_of(response: httpx.Response) -> str:
    return response.json()["detail"]["code"]


def expected_starts(first: str, last: str, minutes: int) -> list[str]:
    hours, mins = map(int, first.split(":"))
    end_hours, end_mins = map(int, last.split(":"))
    starts, at, end = [], hours * 60 + mins, end_hours * 60 + end_mins
    while at + minutes <= end:
        starts.append(f"{at // 60:02d}:{at % 60:02d}")
        at += minutes
    return starts


def test_resolves_names_and_aliases(sandbox: TestClient) -> None:
    def resolve(text: str) -> dict[str, list[str]]:
        body = sandbox.get("/appointments/v1/resolve", params={"text": text}).json()
        return {
            "hospitals": [h["hospital_id"] for h in body["hospitals"]],
            "clinics": [c["clinic_id"] for c in body["clinics"]],
            "halls": [g["hall_id"] for g in body["halls"]],
        }

    assert resolve("市立医院 骨科") == {"hospitals": ["H01"], "clinics": ["H01-GK"], "halls": []}
    assert resolve("去中医院针灸")["clinics"] == ["H02-ZJ"]
    assert resolve("市中医院")["clinics"] == []
    assert resolve("妇幼保健院的儿科")["clinics"] == ["H03-EK"]
    assert sorted(resolve("小儿科")["clinics"]) == ["H01-EK", "H03-EK"]
    assert resolve("市政务大厅")["halls"] == ["G01"]
    hospitals = sandbox.get("/appointments/v1/hospitals").json()
    assert [h["hospital_id"] for h in hospitals] == [h["hospital_id"] for h in DEMO["hospitals"]]
    hall = sandbox.get("/appointments/v1/halls/G01").json()
    assert {"id": "passport", "name": "护照"} in hall["services"]


def test_clinic_slots_follow_the_template(sandbox: TestClient) -> None:
    body = sandbox.get(
        "/appointments/v1/slots", params={"resource": "H01-NK", "date": OPEN_DAY.isoformat()}
    ).json()
    minutes = TEMPLATE["slot_minutes"]
    expected = expected_starts(*TEMPLATE["morning"], minutes) + expected_starts(
        *TEMPLATE["afternoon"], minutes
    )
    assert [slot["start"] for slot in body["slots"]] == expected
    assert {slot["remaining"] for slot in body["slots"]} == {TEMPLATE["capacity"]}
    assert body["reason"] is None
    morning = sandbox.get(
        "/appointments/v1/slots",
        params={"resource": "H01-NK", "date": OPEN_DAY.isoformat(), "period": "morning"},
    ).json()
    assert [slot["start"] for slot in morning["slots"]] == expected_starts(*TEMPLATE["morning"], minutes)


def test_days_without_slots_say_why(sandbox: TestClient) -> None:
    def reason(day: date, resource: str = "H01-NK") -> str:
        params = {"resource": resource, "date": day.isoformat()}
        return sandbox.get("/appointments/v1/slots", params=params).json()["reason"]

    assert reason(next_day({7})) == "closed_day"
    assert reason(beijing_today() - timedelta(days=1)) == "past_date"
    assert reason(beijing_today() + timedelta(days=TEMPLATE["book_ahead_days"] + 1)) == "beyond_window"
    assert reason(next_day({6}), resource="G02") == "closed_day"


def test_hall_slots_follow_the_hall_hours(sandbox: TestClient) -> None:
    def starts(day: date) -> list[str]:
        params = {"resource": "G01", "date": day.isoformat()}
        return [
            slot["start"] for slot in sandbox.get("/appointments/v1/slots", params=params).json()["slots"]
        ]

    assert starts(next_day({1, 2, 3, 4, 5})) == expected_starts("09:00", "17:00", 30)
    assert starts(next_day({6})) == expected_starts("09:00", "12:00", 30)
    assert starts(next_day({7})) == []


def test_fully_booked_clinic_has_no_place_in_the_window(sandbox: TestClient) -> None:
    clinic = DEMO["fully_booked"][0]["clinic_id"]
    for offset in range(TEMPLATE["book_ahead_days"] + 1):
        day = beijing_today() + timedelta(days=offset)
        body = sandbox.get(
            "/appointments/v1/slots", params={"resource": clinic, "date": day.isoformat()}
        ).json()
        assert body["slots"] == []
        assert body["reason"] in {"fully_booked", "closed_day"}
    assert sandbox.get("/appointments/v1/slots/nearest", params={"resource": clinic}).json() == []
    refused = post_booking(sandbox, booking(resource=clinic))
    assert refused.status_code == 409
    assert code_of(refused) == "slot_full"
    alternatives = sandbox.get(
        "/appointments/v1/slots/nearest", params={"resource": "H01-NK", "limit": 3}
    ).json()
    assert len(alternatives) == 3


def test_booking_and_idempotent_retry(sandbox: TestClient) -> None:
    body = booking(start="10:00", id_number="371002198503122311", citizen_id="C001")
    first = post_booking(sandbox, body, key="book-1")
    assert first.status_code == 201
    made = first.json()
    assert re.fullmatch(rf"H{OPEN_DAY:%Y%m%d}-\d{{4}}", made["booking_no"])
    assert (made["status"], made["resource_name"], made["end"]) == ("booked", "示例市立医院 内科", "10:30")
    again = post_booking(sandbox, body, key="book-1")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["booking_no"] == made["booking_no"]
    assert remaining(sandbox, "H01-NK", OPEN_DAY, "10:00") == TEMPLATE["capacity"] - 1
    reused = post_booking(sandbox, {**body, "start": "10:30"}, key="book-1")
    assert reused.status_code == 409
    assert code_of(reused) == "idempotency_key_reused"
    assert sandbox.get(f"{BOOKINGS}/{made['booking_no']}").json()["citizen_id"] == "C001"


def test_hall_booking_needs_an_offered_service(sandbox: TestClient) -> None:
    day = next_day({1, 2, 3, 4, 5})
    missing = post_booking(sandbox, booking(resource="G01", day=day, start="09:30"))
    assert (missing.status_code, code_of(missing)) == (422, "unknown_service")
    assert "护照" in missing.json()["detail"]["message"]
    not_offered = post_booking(sandbox, booking(resource="G02", day=day, start="09:30", service="passport"))
    assert code_of(not_offered) == "unknown_service"
    made = post_booking(sandbox, booking(resource="G01", day=day, start="09:30", service="passport"))
    assert made.status_code == 201
    assert made.json()["booking_no"].startswith("G")
    assert made.json()["service_name"] == "护照"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (booking(day=beijing_today() - timedelta(days=1)), 422, "past_date"),
        (booking(day=next_day({7})), 422, "closed_day"),
        (
            booking(day=beijing_today() + timedelta(days=TEMPLATE["book_ahead_days"] + 1)),
            422,
            "beyond_window",
        ),
        (booking(start="12:00"), 422, "outside_hours"),
        (booking(start="09:10"), 422, "outside_hours"),
        (booking(start="9点"), 422, "invalid_time"),
        (booking(phone="1380531"), 422, "invalid_phone"),
        (booking(id_number="371002198503122312"), 422, "invalid_id_number"),
        (booking(resource="H09-XX"), 404, "unknown_resource"),
        ({**booking(), "date": "2026-13-01"}, 422, "invalid_date"),
    ],
)
def test_invalid_bookings_are_refused_with_a_code(
    sandbox: TestClient, body: dict[str, Any], status: int, code: str
) -> None:
    refused = post_booking(sandbox, body)
    assert refused.status_code == status
    assert code_of(refused) == code
    assert re.search(r"[\u4e00-\u9fa5]", refused.json()["detail"]["message"])


def test_same_day_slots_close_before_they_start(sandbox: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform's clock is set to 09:40 of the booked day: with a 30-minute cutoff the
    first slot still open is 10:30, and a booking that has begun can no longer be cancelled."""
    made = post_booking(sandbox, booking(resource="H01-EK", start="11:00")).json()
    monkeypatch.setattr(
        "sandbox.routers.appointments.now", lambda: datetime.combine(OPEN_DAY, time(9, 40), tzinfo=BEIJING)
    )
    params = {"resource": "H01-EK", "date": OPEN_DAY.isoformat(), "period": "morning"}
    assert [
        slot["start"] for slot in sandbox.get("/appointments/v1/slots", params=params).json()["slots"]
    ] == [
        "10:30",
        "11:00",
    ]
    for start in ("09:00", "10:00"):
        assert code_of(post_booking(sandbox, booking(resource="H01-EK", start=start))) == "too_late"
    monkeypatch.setattr(
        "sandbox.routers.appointments.now", lambda: datetime.combine(OPEN_DAY, time(11, 5), tzinfo=BEIJING)
    )
    late = sandbox.post(f"{BOOKINGS}/{made['booking_no']}/cancel")
    assert (late.status_code, code_of(late)) == (409, "already_started")


def test_cancel_frees_the_place(sandbox: TestClient) -> None:
    slot = booking(start="14:00")
    numbers = [post_booking(sandbox, slot).json()["booking_no"] for _ in range(TEMPLATE["capacity"])]
    assert len(set(numbers)) == TEMPLATE["capacity"]
    full = post_booking(sandbox, slot)
    assert (full.status_code, code_of(full)) == (409, "slot_full")
    cancelled = sandbox.post(f"{BOOKINGS}/{numbers[0]}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert sandbox.post(f"{BOOKINGS}/{numbers[0]}/cancel").json()["status"] == "cancelled"
    assert remaining(sandbox, "H01-NK", OPEN_DAY, "14:00") == 1
    assert post_booking(sandbox, slot).status_code == 201
    assert sandbox.post(f"{BOOKINGS}/H20990101-0001/cancel").status_code == 404


def test_citizens_list_their_bookings(sandbox: TestClient) -> None:
    """A phone and a citizen id of their own: on PostgreSQL the module shares one database."""
    phone, citizen = f"137{uuid.uuid4().int % 10**8:08d}", f"T{uuid.uuid4().hex[:8]}"
    mine = post_booking(sandbox, booking(start="15:00", phone=phone, citizen_id=citizen)).json()
    post_booking(sandbox, booking(start="15:00", phone="13900000000", citizen_name="李娜"))
    by_phone = sandbox.get(BOOKINGS, params={"phone": phone}).json()
    assert [b["booking_no"] for b in by_phone] == [mine["booking_no"]]
    by_citizen = sandbox.get(BOOKINGS, params={"citizen_id": citizen, "status": "booked"}).json()
    assert [b["booking_no"] for b in by_citizen] == [mine["booking_no"]]
    assert sandbox.get(BOOKINGS).status_code == 400


def test_reschedule_moves_the_booking_atomically(sandbox: TestClient) -> None:
    old = post_booking(sandbox, booking(start="08:00")).json()
    path = f"{BOOKINGS}/{old['booking_no']}/reschedule"
    moved = sandbox.post(
        path, json={"date": OPEN_DAY.isoformat(), "start": "08:30"}, headers={"Idempotency-Key": "r1"}
    )
    assert moved.status_code == 201
    new = moved.json()
    assert (new["start"], new["status"]) == ("08:30", "booked")
    replay = sandbox.post(
        path, json={"date": OPEN_DAY.isoformat(), "start": "08:30"}, headers={"Idempotency-Key": "r1"}
    )
    assert replay.json()["booking_no"] == new["booking_no"]
    former = sandbox.get(f"{BOOKINGS}/{old['booking_no']}").json()
    assert (former["status"], former["replaced_by"]) == ("cancelled", new["booking_no"])
    assert remaining(sandbox, "H01-NK", OPEN_DAY, "08:00") == TEMPLATE["capacity"]
    assert remaining(sandbox, "H01-NK", OPEN_DAY, "08:30") == TEMPLATE["capacity"] - 1
    to_full = sandbox.post(
        f"{BOOKINGS}/{new['booking_no']}/reschedule",
        json={"date": OPEN_DAY.isoformat(), "start": "08:30"},
        headers={"Idempotency-Key": "r2"},
    )
    assert code_of(to_full) == "same_slot"
    again = sandbox.post(
        path, json={"date": OPEN_DAY.isoformat(), "start": "09:30"}, headers={"Idempotency-Key": "r3"}
    )
    assert code_of(again) == "not_active"


def test_two_clients_racing_for_the_last_place(served_sandbox: str) -> None:
    slot = booking(resource="H02-ZJ", start="16:00")
    with httpx.Client(base_url=served_sandbox) as client:
        for _ in range(TEMPLATE["capacity"] - 1):
            assert post_booking(client, slot).status_code == 201
        responses = post_all_at_once(served_sandbox, BOOKINGS, [slot, slot], ["last-a", "last-b"])
        assert sorted(response.status_code for response in responses) == [201, 409]
        assert [code_of(r) for r in responses if r.status_code == 409] == ["slot_full"]
        assert remaining(client, "H02-ZJ", OPEN_DAY, "16:00") == 0
        taken = client.get(BOOKINGS, params={"phone": "13805310001", "status": "booked"}).json()
        assert (
            len([b for b in taken if (b["resource_id"], b["start"]) == ("H02-ZJ", "16:00")])
            == TEMPLATE["capacity"]
        )


def test_a_crowd_fills_a_slot_exactly(served_sandbox: str) -> None:
    crowd = 3 * TEMPLATE["capacity"]
    slot = booking(resource="H03-CK", start="13:30")
    responses = post_all_at_once(
        served_sandbox, BOOKINGS, [slot] * crowd, [f"crowd-{index}" for index in range(crowd)]
    )
    made = [response.json()["booking_no"] for response in responses if response.status_code == 201]
    assert len(made) == len(set(made)) == TEMPLATE["capacity"]
    assert {code_of(r) for r in responses if r.status_code != 201} == {"slot_full"}


def test_the_same_request_sent_twice_at_once_books_once(served_sandbox: str) -> None:
    slot = booking(resource="H01-PF", start="11:00")
    responses = post_all_at_once(served_sandbox, BOOKINGS, [slot, slot], ["twin", "twin"])
    assert [response.status_code for response in responses] == [201, 201]
    assert len({response.json()["booking_no"] for response in responses}) == 1
    with httpx.Client(base_url=served_sandbox) as client:
        assert remaining(client, "H01-PF", OPEN_DAY, "11:00") == TEMPLATE["capacity"] - 1
