"""A department without webhooks: the sender reads its event feed (`GET /events/v1/events`) and
the sandbox's events are written with the change they describe."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

from common.settings import DepartmentSettings
from notices.departments import EventFeed, build
from notices.subscriptions import BILL
from tests.notices.conftest import Pipeline


async def test_polled_events_are_planned_once_and_the_cursor_moves_on(
    make_pipeline: Callable[..., Pipeline], sandbox_url: str
) -> None:
    feed = build(DepartmentSettings(default_url=sandbox_url), "events", EventFeed, "部门事件推送")
    pipeline = make_pipeline(feed)
    worker = pipeline.worker
    await pipeline.subscriptions.subscribe("web:poller", BILL, "water", "3100067890")
    due = pipeline.clock.now.date().isoformat()
    year, month = 2100 + uuid.uuid4().int % 800, uuid.uuid4().int % 12 + 1  # a month no run issued
    period, period_label = f"{year}-{month:02d}", f"{year}年{month}月"
    issued = httpx.post(
        f"{sandbox_url}/utility/v1/accounts/3100067890/bills",
        json={"period": period, "amount": 12.5, "due_date": due},
    )
    assert issued.status_code == 201, issued.text
    assert (
        httpx.post(
            f"{sandbox_url}/utility/v1/accounts/3100067890/bills",
            json={"period": period, "amount": 1, "due_date": due},
        ).status_code
        == 409
    )
    assert await worker.poll_round() >= 1
    assert await worker.poll_round() == 0  # the cursor moved past it
    await worker.plan_round()
    sent = await worker.send_round()
    shown = await pipeline.store.take_unseen("web:poller")  # the module's sandbox may hold older bills
    assert sent == len(shown)
    assert len([notice for notice in shown if period_label in notice.text and "12.50元" in notice.text]) == 1
    await feed.aclose()
