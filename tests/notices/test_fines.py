"""Traffic fines come due like bills: the sandbox's traffic police API gives each fine its
deadline (15 days after the decision) and late fee (3 % a day, at most the fine), announces a
new one as `fine.issued`, and the sender reminds the plate's subscribers before the deadline;
the hourly scan finds fines no event announced and drops the reminder of a fine paid since."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

import httpx

from common.time_words import CITY_TIMEZONE, city_today
from notices.models import SKIPPED
from notices.subscriptions import BILL
from sandbox import fines
from tests.notices.conftest import Pipeline, city, city_day

MakePipeline = Callable[..., Pipeline]
PLATE = "鲁K·A1234"  # 张伟's car; V2026101501 (100 元, 2026-10-15) is unpaid in the demo city
DRIVER = "web:fine-driver"


def test_a_fine_is_due_15_days_after_the_decision_and_late_fees_stop_at_the_fine() -> None:
    due = fines.pay_by("2026-10-15")
    assert due == date(2026, 10, 30)
    assert fines.late_fee(100, due, date(2026, 10, 30)) == 0
    assert fines.late_fee(100, due, date(2026, 11, 9)) == 30.0  # ten days late
    assert fines.late_fee(100, due, date(2026, 12, 30)) == 100  # capped at the fine


def test_the_traffic_api_gives_each_fine_its_deadline_and_what_is_owed_today(sandbox_url: str) -> None:
    body = httpx.get(f"{sandbox_url}/traffic/v1/vehicles/鲁KA1234/violations").json()
    unpaid = next(item for item in body["violations"] if item["record_id"] == "V2026101501")
    late_days = (city_today() - date(2026, 10, 30)).days
    assert unpaid["pay_by"] == "2026-10-30"
    assert unpaid["late_fee"] == round(min(100, 3 * max(late_days, 0)), 2)
    paid = next(item for item in body["violations"] if item["status"] == "已处理")
    assert paid["late_fee"] == 0


def test_a_new_fine_is_announced_with_its_deadline(sandbox_url: str) -> None:
    record_id = f"V{uuid.uuid4().int % 10**12:012d}"
    violation = {
        "record_id": record_id,
        "date": city_day(0),
        "location": "文化中路",
        "behavior": "违停",
        "fine": 150,
        "points": 0,
    }
    created = httpx.post(f"{sandbox_url}/traffic/v1/vehicles/鲁K·A1234/violations", json=violation)
    assert created.status_code == 201, created.text
    assert created.json()["pay_by"] == city_day(15)
    again = httpx.post(f"{sandbox_url}/traffic/v1/vehicles/鲁K·A1234/violations", json=violation)
    assert again.status_code == 409
    feed = httpx.get(f"{sandbox_url}/events/v1/events", params={"limit": 500}).json()["events"]
    [event] = [item for item in feed if item["data"].get("record_id") == record_id]
    assert event["kind"] == "fine.issued"
    assert (event["data"]["plate_number"], event["data"]["pay_by"], event["data"]["holder"]) == (
        PLATE,
        city_day(15),
        "C001",
    )


async def test_a_fine_coming_due_reminds_the_plates_subscriber_once(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline(bill_days_before=3)
    await pipeline.subscriptions.subscribe(DRIVER, BILL, "traffic_fine", PLATE)
    await pipeline.subscriptions.subscribe("web:water-only", BILL, "water", "3100012345")
    fine = {
        "bill_type": "traffic_fine",
        "plate_number": PLATE,
        "holder": "C001",
        "record_id": "V20990101001",
        "date": city_day(-10),
        "behavior": "违停",
        "fine": 200.0,
        "points": 3,
        "status": "未处理",
        "pay_by": city_day(5),
        "late_fee": 0,
    }
    issued = await pipeline.event("fine.issued", **fine)
    assert await pipeline.run() == 0  # five days ahead: not yet
    pipeline.clock.now = city(9, 0, days=2)
    assert await pipeline.run() == 1
    await pipeline.store.record(issued, "poll")
    assert await pipeline.run() == 0
    [notice] = await pipeline.store.take_unseen(DRIVER)
    text = notice.text
    assert "鲁K·A1234" in text and "200元" in text and "缴款期限" in text and "3%" in text
    assert "交管12123" in text and "退订交通违章提醒" in text
    assert await pipeline.store.take_unseen("web:water-only") == []


async def test_the_scan_finds_a_fine_no_event_announced(
    make_pipeline: MakePipeline,
) -> None:
    pipeline = make_pipeline(bill_days_before=3)
    await pipeline.subscriptions.subscribe(DRIVER, BILL, "traffic_fine", PLATE)
    day = datetime(2026, 10, 28, 10, 0, tzinfo=CITY_TIMEZONE)  # two days before V2026101501's deadline
    pipeline.clock.now = day.astimezone(UTC).replace(tzinfo=None)
    assert await pipeline.worker.planner.scan_bills() == 1
    assert await pipeline.worker.planner.scan_bills() == 0
    assert await pipeline.run() == 1
    [notice] = await pipeline.store.take_unseen(DRIVER)
    assert "10月15日" in notice.text and "100元" in notice.text and "后天 10月30日" in notice.text


async def test_the_reminder_of_a_fine_paid_since_is_dropped_by_the_scan(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline(bill_days_before=3)
    await pipeline.subscriptions.subscribe(DRIVER, BILL, "traffic_fine", PLATE)
    announced = {  # V2026082203 as announced while unpaid; the demo city has it paid (已处理) now
        "bill_type": "traffic_fine",
        "plate_number": PLATE,
        "holder": "C001",
        "record_id": "V2026082203",
        "date": "2026-08-22",
        "behavior": "机动车超速未达20%",
        "fine": 200.0,
        "points": 3,
        "status": "未处理",
        "pay_by": city_day(10),
    }
    await pipeline.event("fine.issued", **announced)
    await pipeline.run()
    assert [row.status for row in await pipeline.store.all_deliveries()] == ["queued"]
    await pipeline.worker.planner.scan_bills()
    [row] = await pipeline.store.all_deliveries()
    assert (row.status, row.error) == (SKIPPED, "paid")
