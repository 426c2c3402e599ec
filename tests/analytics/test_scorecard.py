"""The scorecard's figures on conversations written in Rasa's events schema, and the
assistant's own tables written by their real stores."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from actions.guides.replies import CLARIFY_TEXT as ACTIONS_CLARIFY_TEXT
from actions.guides.replies import guide_payload
from analytics import service
from analytics.conversations import CLARIFY_TEXT
from analytics.period import Period, PeriodError
from analytics.records import bad_answers
from bot.agent_feedback import FeedbackStore
from bot.handoff.desk import HandoffDesk
from common.database import shared_engine
from common.settings import Settings
from common.time_words import city_today
from integrations.alipay.orders import OrderStore, PaymentOrder
from tests.analytics.conftest import Tracker

UNDERSTOOD = {"fallback": "not_understood"}
PASSPORT, ID_CARD = guide_payload("passport.apply"), guide_payload("id_card.replace_lost")


def this_week() -> Period:
    return Period.choose(city_today() - timedelta(days=6), None)


def test_the_clarification_text_is_the_dialogues() -> None:
    assert CLARIFY_TEXT == ACTIONS_CLARIFY_TEXT


def test_conversations_messages_fallbacks_and_reply_time(settings: Settings, tracker: Tracker) -> None:
    tracker.session("web:a")
    tracker.user("web:a", "你好")
    tracker.bot("web:a", "您好")
    tracker.user("web:a", "呜啦啦")
    tracker.bot("web:a", "抱歉，我没太明白", custom=UNDERSTOOD)
    tracker.session("web:a", at=tracker.clock + 7200)  # a second conversation after the session expired
    tracker.user("web:a", "查水费")
    tracker.bot("web:a", "请告诉我户号")
    tracker.session("alipay:2088000000000001")
    tracker.user("alipay:2088000000000001", "你好")
    tracker.session("wechat:oAbc")
    tracker.user("wechat:oAbc", "天气")
    tracker.bot("wechat:oAbc", "不在范围", custom={"fallback": "out_of_scope"})
    tracker.session("web:old", at=time.time() - 30 * 86400)  # outside the period
    tracker.user("web:old", "你好")

    card = service.scorecard(settings, this_week()).as_json()

    web, everything = card["channels"]["web"], card["channels"]["all"]
    assert card["source"] == "sqlite"
    assert (web["conversations"], web["messages"], web["fallbacks"]) == (2, 3, 1)
    assert (everything["conversations"], everything["messages"], everything["fallbacks"]) == (4, 5, 2)
    assert everything["fallback_rate"] == 0.4
    assert card["channels"]["alipay"]["median_reply_ms"] is None  # never answered
    assert web["median_reply_ms"] == 1000
    assert sum(day["messages"] for day in card["days"]) == 5
    assert everything["containment"] == 1.0


def test_clarifications_and_the_choice_taken(settings: Settings, tracker: Tracker) -> None:
    for sender, answer in (("web:first", PASSPORT), ("web:other", ID_CARD), ("web:none", "算了")):
        tracker.session(sender)
        tracker.user(sender, "证件丢了")
        tracker.bot(sender, CLARIFY_TEXT, buttons=[PASSPORT, ID_CARD])
        tracker.user(sender, answer)
    tracker.session("web:bundle")
    tracker.user("web:bundle", "孩子刚出生")
    tracker.bot(
        "web:bundle", "恭喜！要办这些：", buttons=[PASSPORT, ID_CARD]
    )  # a life event, not a clarification
    tracker.user("web:bundle", PASSPORT)

    web = service.scorecard(settings, this_week()).as_json()["channels"]["web"]

    assert web["clarifications"] == 3
    assert web["clarifications_first_choice"] == 1 and web["clarifications_other_choice"] == 1
    assert web["first_choice_rate"] == round(1 / 3, 4)


def test_tickets_by_category_and_bookings(settings: Settings, tracker: Tracker) -> None:
    tracker.session("web:c")
    tracker.user("web:c", "烧烤油烟太大")
    tracker.slot("web:c", "complaint_category", "environment")
    tracker.user("web:c", "1")
    tracker.slot("web:c", "complaint_category", None)  # the filing resets the form, then files
    tracker.slot("web:c", "complaint_ticket", "12345-20261201-0001")
    tracker.slot("web:c", "complaint_own_tickets", ["12345-20261201-0001"])
    tracker.user("web:c", "我的投诉进度")
    tracker.slot("web:c", "complaint_ticket", "12345-20261201-0001")  # a progress query files nothing
    tracker.user("web:c", "确认")
    tracker.slot("web:c", "appointment_last_booking", "B0001")
    tracker.slot("web:c", "appointment_own_bookings", ["B0001"])

    card = service.scorecard(settings, this_week()).as_json({"environment": "环境保护"})

    assert card["channels"]["web"]["tickets"] == 1 and card["channels"]["web"]["bookings"] == 1
    assert card["ticket_categories"] == [{"category": "environment", "name": "环境保护", "count": 1}]


def test_handoffs_containment_payments_and_notices(settings: Settings, tracker: Tracker) -> None:
    for sender in ("web:h", "web:k"):
        tracker.session(sender)
        tracker.user(sender, "转人工")
    database = settings.assistant_database_url
    asyncio.run(HandoffDesk(database).open("web:h", "requested", []))
    orders = OrderStore(database)
    for number, status in (("T1", "paid"), ("T2", "created")):
        asyncio.run(
            orders.record(
                PaymentOrder(
                    number, "alipay:2088000000000001", "water", "3100012345", "2026-11", "水费", 1203
                )
            )
        )
        if status == "paid":
            asyncio.run(orders.transition(number, "paid", "ALI-1"))

    card = service.scorecard(settings, this_week()).as_json()
    assert card["channels"]["all"]["notices_sent"] == 0  # no notices table yet: none sent
    with shared_engine(database).begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE notice_deliveries (id INTEGER PRIMARY KEY, channel TEXT, status TEXT, kind TEXT, created_at TIMESTAMP, sent_at TIMESTAMP)"
            )
        )
        now = datetime.now(UTC).replace(tzinfo=None)
        for status in ("sent", "sent", "failed"):
            connection.execute(
                text(
                    "INSERT INTO notice_deliveries (channel, status, kind, created_at, sent_at) VALUES ('wechat', :s, 'bill_due', :t, :t)"
                ),
                {"s": status, "t": now},
            )
    card = service.scorecard(settings, this_week()).as_json()

    web = card["channels"]["web"]
    assert (web["handoffs"], web["handoffs_requested"], web["handed_off_conversations"]) == (1, 1, 1)
    assert web["containment"] == 0.5
    assert card["channels"]["alipay"]["payments"] == 1
    assert card["channels"]["wechat"]["notices_sent"] == 2
    assert card["notice_kinds"] == [{"kind": "bill_due", "count": 2}]


def test_without_a_stored_conversation_the_figures_still_come(settings: Settings) -> None:
    card = service.scorecard(settings, this_week()).as_json()
    assert card["source"] == "empty" and card["channels"]["all"]["conversations"] == 0
    assert (
        service.scorecard(
            Settings(state_dir=settings.state_dir, redis_url="redis://127.0.0.1:6379/0"), this_week()
        ).source
        == "redis"
    )


def test_the_period_is_whole_city_days() -> None:
    period = Period.choose(city_today(), None)
    assert period.start.hour == 16 and period.start.tzinfo == UTC
    assert period.end - period.start == timedelta(days=1)
    with pytest.raises(PeriodError, match="开始日期"):
        Period.choose(city_today(), city_today() - timedelta(days=1))
    with pytest.raises(PeriodError, match="今天"):
        Period.choose(None, city_today() + timedelta(days=1))
    with pytest.raises(PeriodError, match="366"):
        Period.choose(city_today() - timedelta(days=400), None)


def test_feedback_is_read_from_its_store(settings: Settings) -> None:
    store = FeedbackStore(settings.assistant_database_url)
    asyncio.run(store.add("zhang", "养狗要办证吗 13912345678", "marriage.register", False))
    asyncio.run(store.add("zhang", "护照怎么办", "passport.apply", True))
    found = bad_answers(shared_engine(settings.assistant_database_url), this_week())
    assert [(bad.suggestion_id, "13912345678" in bad.text) for bad in found] == [("marriage.register", False)]
