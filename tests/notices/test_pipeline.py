"""Events to notices on real peers: who gets what, once, when; quiet hours, lead times, opt-outs,
refusals, retries, limits and a sender that dies mid-round."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from notices.models import FAILED, QUEUED, REFUSED, SENT, SKIPPED
from notices.subscriptions import APPOINTMENT, BILL
from tests.notices.conftest import ZHANG_WEI_OPENID, Pipeline, city, city_day

MakePipeline = Callable[..., Pipeline]
WEB_USER = "web:notice-test-user"


async def _statuses(pipeline: Pipeline) -> list[tuple[str, str, str]]:
    return [(row.kind, row.recipient, row.status) for row in await pipeline.store.all_deliveries()]


async def test_a_closed_ticket_reaches_the_linked_complainant_once_with_the_rating_invitation(
    make_pipeline: MakePipeline,
) -> None:
    pipeline = make_pipeline()
    ticket = {
        "ticket_id": "12345-20261202-0007",
        "department": "市城市管理局",
        "title": "烧烤油烟",
        "holder": "C001",
    }
    closed = await pipeline.event(
        "ticket.status_changed", **ticket, status="已办结", note="已责令商户加装油烟净化器。"
    )
    assert await pipeline.run() == 1
    assert not await pipeline.store.record(closed, "webhook")  # the same webhook again
    assert await pipeline.run() == 0
    [message] = pipeline.wechat.templates_to(ZHANG_WEI_OPENID)
    body = message["data"]["keyword1"]["value"]
    assert "已办结" in body and "已责令商户加装油烟净化器" in body and "评价 12345-20261202-0007" in body
    assert "退订投诉提醒" in message["data"]["remark"]["value"]
    assert await _statuses(pipeline) == [("ticket", f"wechat:{ZHANG_WEI_OPENID}", SENT)]


async def test_quiet_hours_hold_until_morning_but_not_an_urgent_outage(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline()
    pipeline.clock.now = city(23, 30)
    await pipeline.subscriptions.subscribe(WEB_USER, BILL, "gas", "GZ20080077")
    await pipeline.event(
        "ticket.created",
        ticket_id="12345-20261202-0008",
        status="已受理",
        holder="C001",
        department="市12345热线办公室",
        title="路灯不亮",
    )
    await pipeline.event(
        "outage.announced",
        bill_type="gas",
        area="环翠区文化中路",
        starts="2099-01-01T23:40",
        reason="燃气管道抢修",
        accounts=[{"account_number": "GZ20080077", "holder": "C002"}],  # C002: 李娜, never wrote
    )
    assert await pipeline.run() == 1  # the outage only
    assert [(kind, recipient, status) for kind, recipient, status in await _statuses(pipeline)] == [
        ("ticket", f"wechat:{ZHANG_WEI_OPENID}", QUEUED),
        ("outage", WEB_USER, SENT),
        ("outage", "wechat:oDemoLiNa00000002", REFUSED),  # no outage template, outside 48 hours
    ]
    pipeline.clock.now = city(7, 59, days=2)
    assert await pipeline.run() == 0
    pipeline.clock.now = city(8, 0, days=2)
    assert await pipeline.run() == 1
    assert len(pipeline.wechat.templates_to(ZHANG_WEI_OPENID)) == 1


async def test_the_appointment_reminder_goes_out_at_the_lead_time_with_what_to_bring(
    make_pipeline: MakePipeline,
) -> None:
    pipeline = make_pipeline(appointment_lead_hours=24)
    booking = {
        "booking_no": "G01-TEST-0001",
        "status": "booked",
        "kind": "gov_hall",
        "resource_id": "G01",
        "resource_name": "市民服务中心",
        "address": "文化中路1号",
        "service": "passport",
        "service_name": "护照",
        "date": city_day(2),
        "weekday": "周五",
        "start": "09:00",
        "end": "09:30",
        "citizen_id": "C001",
    }
    await pipeline.event("appointment.booked", **booking)
    pipeline.clock.now = city(8, 59)
    assert await pipeline.run() == 0
    pipeline.clock.now = city(9, 0)
    await pipeline.wrote(ZHANG_WEI_OPENID, hours_ago=1)  # within 48 hours: a customer message
    assert await pipeline.run() == 1
    [text] = pipeline.wechat.texts_to(ZHANG_WEI_OPENID)
    assert "明天" in text and "09:00-09:30" in text and "市民服务中心" in text
    assert (
        "请带上：" in text
        and "身份证" in text
        and "取消预约 G01-TEST-0001" in text
        and "退订预约提醒" in text
    )


async def test_a_cancelled_booking_gets_no_reminder(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline()
    booking = {
        "booking_no": "H01-TEST-0002",
        "status": "booked",
        "kind": "hospital",
        "resource_id": "H01-NK",
        "resource_name": "市立医院 内科",
        "address": "x路1号",
        "service": None,
        "service_name": None,
        "date": city_day(3),
        "weekday": "周六",
        "start": "10:00",
        "end": "10:30",
        "citizen_id": "C002",
    }
    await pipeline.event("appointment.booked", **booking)
    await pipeline.run()
    await pipeline.event("appointment.cancelled", **{**booking, "status": "cancelled"})
    pipeline.clock.advance(days=2)
    assert await pipeline.run() == 0
    assert await _statuses(pipeline) == [("appointment", "wechat:oDemoLiNa00000002", SKIPPED)]


async def test_a_bill_coming_due_reminds_its_subscriber_once_and_nobody_else(
    make_pipeline: MakePipeline,
) -> None:
    pipeline = make_pipeline(bill_days_before=3)
    await pipeline.subscriptions.subscribe(WEB_USER, BILL, "water", "3100012345")
    await pipeline.subscriptions.subscribe("web:someone-else", BILL, "electricity", "3100012345")
    bill = {
        "bill_type": "water",
        "account_number": "3100012345",
        "holder": "C001",
        "period": "2099-01",
        "amount": 56.3,
        "due_date": city_day(5),
        "status": "unpaid",
    }
    issued = await pipeline.event("bill.issued", **bill)
    assert await pipeline.run() == 0  # five days ahead: not yet
    pipeline.clock.now = city(9, 0, days=2)
    assert await pipeline.run() == 1
    await pipeline.store.record(issued, "poll")
    await pipeline.worker.planner.scan_bills()
    assert await pipeline.run() == 0
    [notice] = await pipeline.store.take_unseen(WEB_USER)
    assert "水费" in notice.text and "56.30元" in notice.text and "退订水费提醒" in notice.text
    assert "3100012345" not in notice.text  # the account is masked
    assert await pipeline.store.take_unseen("web:someone-else") == []
    assert pipeline.wechat.templates_to(ZHANG_WEI_OPENID) == [] == pipeline.wechat.texts_to(ZHANG_WEI_OPENID)


async def test_paying_drops_the_reminder_and_confirms_the_payment(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline()
    await pipeline.subscriptions.subscribe(WEB_USER, BILL, "gas", "GZ20080077")
    bill = {
        "bill_type": "gas",
        "account_number": "GZ20080077",
        "holder": "C001",
        "period": "2099-02",
        "amount": 88.0,
        "due_date": city_day(6),
        "status": "unpaid",
    }
    await pipeline.event("bill.issued", **bill)
    assert await pipeline.run() == 0
    await pipeline.event("bill.paid", **{**bill, "status": "paid"}, channel="alipay", paid_at="x")
    pipeline.clock.advance(days=4)
    assert await pipeline.run() == 1
    assert sorted(await _statuses(pipeline)) == [("bill_due", WEB_USER, SKIPPED), ("payment", WEB_USER, SENT)]


async def test_unsubscribing_stops_the_next_notice(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline()
    await pipeline.subscriptions.unsubscribe(f"wechat:{ZHANG_WEI_OPENID}")  # 别再给我发了
    await pipeline.event(
        "ticket.created",
        ticket_id="12345-20261202-0009",
        status="已受理",
        holder="C001",
        department="x",
        title="y",
    )
    assert await pipeline.run() == 0
    assert await _statuses(pipeline) == [("ticket", f"wechat:{ZHANG_WEI_OPENID}", SKIPPED)]
    await pipeline.subscriptions.subscribe(f"wechat:{ZHANG_WEI_OPENID}", APPOINTMENT)  # asking again lifts it
    assert await pipeline.subscriptions.wants(f"wechat:{ZHANG_WEI_OPENID}", "ticket")


async def test_a_refusal_is_recorded_and_never_retried(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline()
    pipeline.wechat.refusing.add(ZHANG_WEI_OPENID)
    await pipeline.event(
        "ticket.created",
        ticket_id="12345-20261202-0010",
        status="已受理",
        holder="C001",
        department="x",
        title="y",
    )
    await pipeline.run()
    pipeline.clock.advance(hours=2)
    await pipeline.run()
    [row] = await pipeline.store.all_deliveries()
    assert (row.status, row.error, row.attempts) == (REFUSED, "wechat 43101", 1)


async def test_platform_failures_back_off_then_give_up(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline(max_attempts=3, retry_seconds=30)
    pipeline.wechat.template_failures.extend([-1, 45009, -1])
    await pipeline.event(
        "ticket.created",
        ticket_id="12345-20261202-0011",
        status="已受理",
        holder="C001",
        department="x",
        title="y",
    )
    await pipeline.run()
    [row] = await pipeline.store.all_deliveries()
    assert (row.status, row.attempts, row.not_before) == (
        QUEUED,
        1,
        pipeline.clock.now + timedelta(seconds=30),
    )
    pipeline.clock.advance(seconds=29)
    assert await pipeline.run() == 0 and len(pipeline.wechat.template_failures) == 2
    pipeline.clock.advance(seconds=1)
    await pipeline.run()
    pipeline.clock.advance(seconds=60)
    await pipeline.run()
    [row] = await pipeline.store.all_deliveries()
    assert (row.status, row.attempts) == (FAILED, 3)


async def test_a_citizen_gets_at_most_the_daily_share(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline(user_max_per_day=2)
    for number in range(3):
        await pipeline.event(
            "ticket.created",
            ticket_id=f"12345-20261202-002{number}",
            status="已受理",
            holder="C001",
            department="x",
            title="y",
        )
    assert await pipeline.run() == 2
    pipeline.clock.advance(hours=1)
    assert await pipeline.run() == 0
    pipeline.clock.advance(days=1)
    assert await pipeline.run() == 1


async def test_alipay_users_get_the_life_account_template(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline()
    await pipeline.subscriptions.follow("alipay:2088000000000003", APPOINTMENT, "G02-TEST-0003", "C003")
    booking = {
        "booking_no": "G02-TEST-0003",
        "status": "booked",
        "kind": "gov_hall",
        "resource_id": "G02",
        "resource_name": "荣成市政务服务中心",
        "address": "成山大道1号",
        "service": "id_card",
        "service_name": "身份证",
        "date": city_day(1),
        "weekday": "周四",
        "start": "14:00",
        "end": "14:30",
        "citizen_id": "C003",
    }
    await pipeline.event("appointment.booked", **booking)
    assert await pipeline.run() == 1
    [sent] = pipeline.alipay.template_sends
    assert sent["to_user_id"] == "2088000000000003" and sent["template"]["template_id"] == "alipay-tpl-notice"
    assert "荣成市政务服务中心" in sent["template"]["context"]["keyword1"]["value"]
    assert pipeline.alipay.bad_signatures == 0


async def test_a_sender_killed_mid_round_sends_its_claims_once_after_the_lease(
    make_pipeline: MakePipeline,
) -> None:
    pipeline = make_pipeline()
    await pipeline.event(
        "ticket.created",
        ticket_id="12345-20261202-0030",
        status="已受理",
        holder="C001",
        department="x",
        title="y",
    )
    await pipeline.worker.plan_round()
    assert len(await pipeline.store.claim_due(pipeline.clock.now)) == 1  # claimed, then the process died
    assert await pipeline.run() == 0  # still leased
    pipeline.clock.advance(minutes=2)
    assert await pipeline.run() == 1
    assert await pipeline.run() == 0
    assert len(pipeline.wechat.templates_to(ZHANG_WEI_OPENID)) == 1
