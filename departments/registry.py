"""The department clients of a process, built lazily from settings and then reused.

Each department's API can live at its own address in a real city (`<KEY>_API_URL`); every
one defaults to the sandbox so a laptop needs nothing else. A process asks `departments()`
for the shared registry; a test or a gateway configured with other addresses builds its own
`Departments(settings)` and installs it with `use_departments`. Clients are made on first
use and kept, so each keeps its connection pool and its circuit breaker.
"""

from __future__ import annotations

import threading
from typing import TypeVar

from common.settings import DepartmentSettings, load_settings
from departments.appointments import AppointmentClient
from departments.base import ClientLimits, DepartmentClient
from departments.bill_types import BILL_TYPES, DepartmentSpec
from departments.complaints import ComplaintClient
from departments.housing_fund import HousingFundClient
from departments.hrss import HrssClient
from departments.population import PopulationClient
from departments.sms import SmsClient
from departments.traffic import TrafficClient
from departments.utility import BillingClient

C = TypeVar("C", bound=DepartmentClient)

POPULATION = DepartmentSpec("population", "市民信息系统", PopulationClient)
APPOINTMENTS = DepartmentSpec("appointments", "预约挂号系统", AppointmentClient)
COMPLAINTS = DepartmentSpec("complaints", "12345热线工单系统", ComplaintClient)
SMS = DepartmentSpec("sms", "短信平台", SmsClient)


class Departments:
    def __init__(self, settings: DepartmentSettings) -> None:
        self._settings = settings
        self._clients: dict[str, DepartmentClient] = {}
        self._lock = threading.Lock()

    @classmethod
    def at(cls, url: str) -> Departments:
        """Every department at one address (a sandbox), whatever the environment says."""
        return cls(DepartmentSettings(default_url=url))

    def client(self, spec: DepartmentSpec, expected: type[C]) -> C:
        with self._lock:
            client = self._clients.get(spec.key)
            if client is None:
                limits = ClientLimits.from_settings(self._settings, spec.key)
                client = spec.client(self._settings.url_for(spec.key), limits, spec.name)
                self._clients[spec.key] = client
        if not isinstance(client, expected):
            raise TypeError(f"department {spec.key} is served by {type(client).__name__}")
        return client

    @property
    def population(self) -> PopulationClient:
        return self.client(POPULATION, PopulationClient)

    @property
    def appointments(self) -> AppointmentClient:
        return self.client(APPOINTMENTS, AppointmentClient)

    @property
    def complaints(self) -> ComplaintClient:
        return self.client(COMPLAINTS, ComplaintClient)

    @property
    def sms(self) -> SmsClient:
        """The SMS gateway (SMS_API_URL), which sends the one-time verification codes."""
        return self.client(SMS, SmsClient)

    @property
    def hrss(self) -> HrssClient:
        return self.client(BILL_TYPES["social_security"].department, HrssClient)

    @property
    def housing_fund(self) -> HousingFundClient:
        return self.client(BILL_TYPES["housing_fund"].department, HousingFundClient)

    @property
    def traffic(self) -> TrafficClient:
        return self.client(BILL_TYPES["traffic_fine"].department, TrafficClient)

    def billing(self, bill_type: str) -> BillingClient:
        """The billing API of a billed type (water, cable TV...)."""
        return self.client(BILL_TYPES[bill_type].department, BillingClient)

    async def aclose(self) -> None:
        for client in list(self._clients.values()):
            await client.aclose()


_shared: Departments | None = None
_shared_lock = threading.Lock()


def departments() -> Departments:
    """The process's registry, from the environment on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Departments(load_settings().department_settings)
        return _shared


def use_departments(registry: Departments | None) -> Departments | None:
    """Installs another registry (None: rebuild from the environment next time); returns the old one."""
    global _shared
    with _shared_lock:
        previous, _shared = _shared, registry
        return previous
