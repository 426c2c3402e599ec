"""The notices' pipeline in-process against real peers: a SQLite assistant database, a served
department sandbox (population links, bills), and the fake WeChat and Alipay platforms over
HTTP, with a clock the tests move."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from common.database import dispose_engines
from common.settings import DepartmentSettings, NoticeSettings
from common.store import MemoryStore
from common.time_words import CITY_TIMEZONE
from departments.bindings import BindingStore
from departments.registry import Departments
from integrations.alipay.client import AlipayApi
from integrations.alipay.config import load_alipay_config
from integrations.wechat.api import WeChatApi
from integrations.wechat.config import WeChatConfig
from integrations.wechat.fake_api import FakeWeChatApi
from notices.contacts import ContactStore
from notices.departments import EventFeed, LinkedChannels, build
from notices.events import Event
from notices.outbox import NoticeStore
from notices.planning import Planner
from notices.senders import AlipaySender, Senders, WebSender, WeChatSender
from notices.subscriptions import SubscriptionStore
from notices.worker import Worker
from tests.alipay.fake_alipay import FakeAlipay, generate_key, private_pem, public_pem
from tests.sandbox.conftest import POSTGRES_ADMIN_URL
from tests.servers import serve

ZHANG_WEI_OPENID = "oDemoZhangWei0001"
TICKET_TEMPLATE = "tpl-ticket-progress"
SUBSCRIBE_TEMPLATE = "sub-tpl-appointment"
ALIPAY_TEMPLATE = "alipay-tpl-notice"


def city(hour: int, minute: int = 0, days: int = 1) -> datetime:
    """`days` after today on the city's clock at hour:minute, as the naive UTC the outbox stores.
    Always ahead of the real clock, which stamps the events the tests store."""
    day = datetime.now(CITY_TIMEZONE).date() + timedelta(days=days)
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=CITY_TIMEZONE)
    return moment.astimezone(UTC).replace(tzinfo=None)


def city_day(days: int = 1) -> str:
    return (datetime.now(CITY_TIMEZONE).date() + timedelta(days=days)).isoformat()


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: city(10))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Pipeline:
    worker: Worker
    store: NoticeStore
    subscriptions: SubscriptionStore
    wechat: FakeWeChatApi
    alipay: FakeAlipay
    clock: Clock
    contacts: ContactStore
    bindings: BindingStore

    async def event(self, event_kind: str, **data: object) -> Event:
        """Stores one department event, as the webhook route does."""
        event = Event(uuid.uuid4().hex, event_kind, dict(data))
        await self.store.record(event, "webhook")
        return event

    async def wrote(self, openid: str, hours_ago: float = 0) -> None:
        """The WeChat user sent the account a message `hours_ago` (on the pipeline's clock)."""
        at = self.clock.now - timedelta(hours=hours_ago)
        await self.contacts.heard(f"wechat:{openid}", {"MsgType": "text"}, at)

    async def run(self) -> int:
        """One round of the sender as its scheduler runs it: plan, then send."""
        await self.worker.plan_round()
        return await self.worker.send_round()


def settings(**overrides: object) -> NoticeSettings:
    base: dict[str, object] = {"quiet_hours": "22:00-08:00", "retry_seconds": 30.0, "max_attempts": 3}
    return NoticeSettings(**{**base, **overrides})  # type: ignore[arg-type]


@pytest.fixture
def fake_wechat() -> Iterator[tuple[FakeWeChatApi, str]]:
    api = FakeWeChatApi("wx" + uuid.uuid4().hex[:16], uuid.uuid4().hex)
    api.templates.update({TICKET_TEMPLATE, SUBSCRIBE_TEMPLATE})
    with serve(api.app()) as url:
        yield api, url


@pytest.fixture
def fake_alipay() -> Iterator[tuple[FakeAlipay, dict[str, str]]]:
    app_key, alipay_key = generate_key(), generate_key()
    fake = FakeAlipay("2021000000000099", app_key.public_key(), alipay_key)
    fake.templates.add(ALIPAY_TEMPLATE)
    with serve(fake.app) as url:
        yield (
            fake,
            {
                "app_id": "2021000000000099",
                "app_private_key": private_pem(app_key),
                "public_key": public_pem(alipay_key),
                "gateway_url": f"{url}/gateway.do",
            },
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The assistant database of one test: SQLite, and a throwaway database on the machine's
    PostgreSQL (skipped where none runs), where the claims and unique keys must hold as well."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'assistant.db'}"
        return
    name = f"notices_test_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    dispose_engines()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
async def make_pipeline(
    database_url: str,
    sandbox_url: str,
    fake_wechat: tuple[FakeWeChatApi, str],
    fake_alipay: tuple[FakeAlipay, dict[str, str]],
) -> AsyncIterator[object]:
    from common.settings import AlipaySettings

    wechat, wechat_url = fake_wechat
    alipay, alipay_settings = fake_alipay
    database = database_url
    clients: list[httpx.AsyncClient] = []

    def make(feed: EventFeed | None = None, **overrides: object) -> Pipeline:
        http = httpx.AsyncClient(timeout=5)
        clients.append(http)
        config = WeChatConfig(app_id=wechat.app_id, app_secret=wechat.app_secret, api_base=wechat_url)
        alipay_config = load_alipay_config(AlipaySettings(**alipay_settings))
        assert alipay_config is not None
        contacts, bindings = ContactStore(database), BindingStore(database)
        senders = Senders(
            {
                "web": WebSender(),
                "wechat": WeChatSender(
                    WeChatApi(http, config, MemoryStore()),
                    {"ticket": TICKET_TEMPLATE},
                    contacts,
                    {"appointment": SUBSCRIBE_TEMPLATE},
                ),
                "alipay": AlipaySender(AlipayApi(alipay_config), {"appointment": ALIPAY_TEMPLATE}),
            }
        )
        clock = Clock()
        notice_settings = settings(**overrides)
        store, subscriptions = NoticeStore(database), SubscriptionStore(database)
        departments = DepartmentSettings(default_url=sandbox_url)
        planner = Planner(
            store,
            subscriptions,
            build(departments, "population", LinkedChannels, "市民信息系统"),
            Departments(departments),
            bindings,
            hotline="12345",
            bill_days_before=notice_settings.bill_days_before,
            appointment_lead_hours=notice_settings.appointment_lead_hours,
            clock=clock,
        )
        worker = Worker(store, subscriptions, planner, senders, notice_settings, feed, clock)
        return Pipeline(worker, store, subscriptions, wechat, alipay, clock, contacts, bindings)

    yield make
    for http in clients:
        await http.aclose()
