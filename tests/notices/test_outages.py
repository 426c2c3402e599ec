"""Gas and water outages: the utility announces one for some streets, the sandbox publishes it
with the accounts it cuts off, and the sender tells at once everyone the assistant knows behind
those accounts (subscribers, who bound the account, the holder's linked channel), at night and
after "别再给我发了" too, once however often the event comes; nobody elsewhere hears of it."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

from notices.models import SENT
from notices.subscriptions import BILL
from tests.notices.conftest import ZHANG_WEI_OPENID, Pipeline, city

MakePipeline = Callable[..., Pipeline]


def test_the_utility_announces_an_outage_once_with_the_accounts_it_cuts_off(sandbox_url: str) -> None:
    outage_id = f"GAS-{uuid.uuid4().hex[:8]}"
    outage = {
        "outage_id": outage_id,
        "bill_type": "gas",
        "area": "环翠区文化中路",
        "streets": ["文化中路"],
        "starts": "2099-01-01T09:00",
        "ends": "2099-01-01T17:00",
        "reason": "燃气管道改造",
    }
    created = httpx.post(f"{sandbox_url}/utility/v1/outages", json=outage)
    assert (created.status_code, created.json()) == (201, {"outage_id": outage_id, "accounts": 1})
    assert httpx.post(f"{sandbox_url}/utility/v1/outages", json=outage).status_code == 409
    bad = httpx.post(
        f"{sandbox_url}/utility/v1/outages", json={**outage, "outage_id": "x2", "bill_type": "tv"}
    )
    assert bad.status_code == 422
    feed = httpx.get(f"{sandbox_url}/events/v1/events", params={"limit": 500}).json()["events"]
    [event] = [item for item in feed if item["data"].get("outage_id") == outage_id]
    assert event["kind"] == "outage.announced"
    assert event["data"]["accounts"] == [{"account_number": "GZ20080077", "holder": "C001"}]


async def test_an_outage_reaches_everyone_behind_the_account_at_once_and_once(
    make_pipeline: MakePipeline,
) -> None:
    pipeline = make_pipeline()
    pipeline.clock.now = city(23, 30)  # quiet hours
    await pipeline.wrote(ZHANG_WEI_OPENID, hours_ago=2)  # the holder, linked on WeChat
    await pipeline.subscriptions.subscribe("web:gas-subscriber", BILL, "gas", "GZ20080077")
    await pipeline.bindings.bind("web:gas-binder", "gas", "GZ20080077")
    await pipeline.bindings.bind("web:stopped-all", "gas", "GZ20080077")
    await pipeline.subscriptions.unsubscribe("web:stopped-all")  # 别再给我发了: urgent still comes
    await pipeline.subscriptions.subscribe("web:elsewhere", BILL, "gas", "GZ20080123")
    await pipeline.bindings.bind("web:water-binder", "water", "3100012345")
    outage = await pipeline.event(
        "outage.announced",
        outage_id="GAS-1",
        bill_type="gas",
        area="环翠区文化中路",
        starts="2099-01-01T23:40",
        ends="2099-01-02T06:00",
        reason="燃气管道抢修",
        advice="",
        accounts=[{"account_number": "GZ20080077", "holder": "C001"}],
    )
    assert await pipeline.run() == 4
    await pipeline.store.record(outage, "poll")  # the same event again
    assert await pipeline.run() == 0
    rows = await pipeline.store.all_deliveries()
    assert sorted((row.recipient, row.status) for row in rows) == [
        ("web:gas-binder", SENT),
        ("web:gas-subscriber", SENT),
        ("web:stopped-all", SENT),
        (f"wechat:{ZHANG_WEI_OPENID}", SENT),
    ]
    [text] = pipeline.wechat.texts_to(ZHANG_WEI_OPENID)
    assert text.startswith("【停气通知】环翠区文化中路 1月1日 23:40至1月2日 06:00停气，原因：燃气管道抢修。")
    assert "燃气阀门" in text
    assert {row.citizen_id for row in rows} == {"C001"}
