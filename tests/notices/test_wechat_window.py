"""Which WeChat message a notice goes as, checked on the fake platform's calls: a customer
message within 48 hours of the user's last message, else the template, else a subscription
message the user accepted (one per accept); a late 45015 falls back instead of being lost."""

from __future__ import annotations

from collections.abc import Callable

from notices.models import REFUSED, SENT
from notices.senders import NO_WAY
from tests.notices.conftest import SUBSCRIBE_TEMPLATE, ZHANG_WEI_OPENID, Pipeline, city_day

MakePipeline = Callable[..., Pipeline]
ZHANG_WEI = f"wechat:{ZHANG_WEI_OPENID}"


async def _ticket(pipeline: Pipeline, number: str) -> None:
    await pipeline.event(
        "ticket.created",
        ticket_id=f"12345-20261202-{number}",
        status="已受理",
        holder="C001",
        department="市城市管理局",
        title="路灯不亮",
    )


async def _booking(pipeline: Pipeline, number: str) -> None:
    await pipeline.event(
        "appointment.booked",
        booking_no=f"G01-WIN-{number}",
        status="booked",
        kind="gov_hall",
        resource_id="G01",
        resource_name="市民服务中心",
        address="文化中路1号",
        service="passport",
        service_name="护照",
        date=city_day(1),
        weekday="周五",
        start="15:00",
        end="15:30",
        citizen_id="C001",
    )


async def _outcomes(pipeline: Pipeline) -> list[tuple[str, str | None]]:
    return [(row.status, row.error) for row in await pipeline.store.all_deliveries()]


async def test_within_48_hours_a_customer_message_carries_the_whole_notice(
    make_pipeline: MakePipeline,
) -> None:
    pipeline = make_pipeline()
    await pipeline.wrote(ZHANG_WEI_OPENID, hours_ago=47)
    await _ticket(pipeline, "0101")
    assert await pipeline.run() == 1
    [text] = pipeline.wechat.texts_to(ZHANG_WEI_OPENID)
    assert "12345-20261202-0101" in text and "退订投诉提醒" in text
    assert pipeline.wechat.templates_to(ZHANG_WEI_OPENID) == []  # the template was not needed


async def test_after_48_hours_the_template_goes_and_no_customer_message_is_tried(
    make_pipeline: MakePipeline,
) -> None:
    pipeline = make_pipeline()
    await pipeline.wrote(ZHANG_WEI_OPENID, hours_ago=49)
    await _ticket(pipeline, "0102")
    assert await pipeline.run() == 1
    assert pipeline.wechat.send_calls == 0
    assert len(pipeline.wechat.templates_to(ZHANG_WEI_OPENID)) == 1


async def test_a_late_45015_falls_back_to_the_template(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline()
    await pipeline.wrote(ZHANG_WEI_OPENID, hours_ago=1)
    pipeline.wechat.silent_48h.add(ZHANG_WEI_OPENID)  # WeChat counts the window otherwise
    await _ticket(pipeline, "0103")
    assert await pipeline.run() == 1
    assert pipeline.wechat.send_calls == 1 and pipeline.wechat.texts_to(ZHANG_WEI_OPENID) == []
    assert len(pipeline.wechat.templates_to(ZHANG_WEI_OPENID)) == 1
    assert await _outcomes(pipeline) == [(SENT, None)]


async def test_a_late_45015_without_template_or_subscription_is_recorded_once(
    make_pipeline: MakePipeline,
) -> None:
    pipeline = make_pipeline()
    await pipeline.wrote(ZHANG_WEI_OPENID, hours_ago=1)
    pipeline.wechat.silent_48h.add(ZHANG_WEI_OPENID)
    await _booking(pipeline, "0104")  # no appointment template; no subscription accepted
    await pipeline.run()
    pipeline.clock.advance(hours=2)
    await pipeline.run()
    assert await _outcomes(pipeline) == [(REFUSED, "wechat 45015")]
    assert pipeline.wechat.send_calls == 1


async def test_outside_the_window_with_no_way_to_send_nothing_is_called(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline()
    await _booking(pipeline, "0105")
    await pipeline.run()
    assert await _outcomes(pipeline) == [(REFUSED, NO_WAY)]
    assert pipeline.wechat.send_calls == 0 and pipeline.wechat.subscription_messages == []


async def test_each_accepted_subscription_carries_one_notice(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline()
    popup = {
        "MsgType": "event",
        "Event": "subscribe_msg_popup_event",
        "SubscribeMsgPopupEvent": {
            "List": {"TemplateId": SUBSCRIBE_TEMPLATE, "SubscribeStatusString": "accept"}
        },
    }
    await pipeline.contacts.heard(ZHANG_WEI, popup)  # a pop-up answer does not open the window
    pipeline.wechat.accept(ZHANG_WEI_OPENID, SUBSCRIBE_TEMPLATE)
    await _booking(pipeline, "0106")
    await _booking(pipeline, "0107")
    assert await pipeline.run() == 1
    [message] = pipeline.wechat.subscriptions_to(ZHANG_WEI_OPENID)
    data = {key: value["value"] for key, value in message["data"].items()}
    assert (
        data["thing1"] == "预约提醒" and data["thing2"].startswith("您预约了") and len(data["thing2"]) <= 20
    )
    assert "年" in data["time3"] and pipeline.wechat.send_calls == 0
    assert sorted(await _outcomes(pipeline)) == [(REFUSED, NO_WAY), (SENT, None)]  # the grant is used
    assert await pipeline.contacts.grants_left(ZHANG_WEI, SUBSCRIBE_TEMPLATE) == 0


async def test_a_subscription_that_did_not_reach_wechat_is_kept_for_the_retry(
    make_pipeline: MakePipeline,
) -> None:
    pipeline = make_pipeline(retry_seconds=30)
    await pipeline.contacts.grant(ZHANG_WEI, SUBSCRIBE_TEMPLATE)
    pipeline.wechat.accept(ZHANG_WEI_OPENID, SUBSCRIBE_TEMPLATE)
    pipeline.wechat.template_failures.append(-1)  # WeChat's "system busy"
    await _booking(pipeline, "0108")
    assert await pipeline.run() == 0
    assert await pipeline.contacts.grants_left(ZHANG_WEI, SUBSCRIBE_TEMPLATE) == 1
    pipeline.clock.advance(seconds=30)
    assert await pipeline.run() == 1
    assert len(pipeline.wechat.subscriptions_to(ZHANG_WEI_OPENID)) == 1


async def test_a_rejection_in_the_settings_withdraws_what_was_accepted(make_pipeline: MakePipeline) -> None:
    pipeline = make_pipeline()
    for _ in range(2):
        await pipeline.contacts.grant(ZHANG_WEI, SUBSCRIBE_TEMPLATE)
    change = {
        "MsgType": "event",
        "Event": "subscribe_msg_change_event",
        "SubscribeMsgChangeEvent": {
            "List": [{"TemplateId": SUBSCRIBE_TEMPLATE, "SubscribeStatusString": "reject"}]
        },
    }
    await pipeline.contacts.heard(ZHANG_WEI, change)
    assert await pipeline.contacts.grants_left(ZHANG_WEI, SUBSCRIBE_TEMPLATE) == 0
    assert not await pipeline.contacts.within_window(ZHANG_WEI, pipeline.clock.now)
