"""The department clients of a process, one per department.

Each department's API can live at its own address in a real city; every URL defaults to
the sandbox so a laptop needs nothing else. The action server uses the module-level
clients, built from the environment; the gateway builds its own `Departments` for the
sandbox address it was configured with.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from actions.clients.appointments import AppointmentClient
from actions.clients.complaints import ComplaintClient
from actions.clients.housing_fund import HousingFundClient
from actions.clients.hrss import HrssClient
from actions.clients.population import PopulationClient
from actions.clients.traffic import TrafficClient
from actions.clients.utility import UtilityClient
from common.settings import load_settings


@dataclass(frozen=True)
class Departments:
    population: PopulationClient
    hrss: HrssClient
    housing_fund: HousingFundClient
    traffic: TrafficClient
    appointments: AppointmentClient
    complaints: ComplaintClient
    utilities: dict[str, UtilityClient]

    @classmethod
    def at(cls, sandbox_url: str) -> Departments:
        """Each department at its own *_API_URL when set, else at `sandbox_url`."""

        def url(variable: str) -> str:
            return os.environ.get(variable) or sandbox_url

        return cls(
            population=PopulationClient(url("POPULATION_API_URL")),
            hrss=HrssClient(url("HRSS_API_URL")),
            housing_fund=HousingFundClient(url("HPF_API_URL")),
            traffic=TrafficClient(url("TRAFFIC_API_URL")),
            appointments=AppointmentClient(url("APPOINTMENTS_API_URL")),
            complaints=ComplaintClient(url("COMPLAINTS_API_URL")),
            utilities={
                "water": UtilityClient(url("WATER_API_URL"), "供水公司"),
                "electricity": UtilityClient(url("ELECTRICITY_API_URL"), "供电公司"),
                "gas": UtilityClient(url("GAS_API_URL"), "燃气公司"),
            },
        )

    def utility(self, bill_type: str) -> UtilityClient:
        return self.utilities[bill_type]


DEFAULT = Departments.at(load_settings().sandbox_url)
population = DEFAULT.population
hrss = DEFAULT.hrss
housing_fund = DEFAULT.housing_fund
traffic = DEFAULT.traffic
appointments = DEFAULT.appointments
complaints = DEFAULT.complaints


def utility_client(bill_type: str) -> UtilityClient:
    return DEFAULT.utility(bill_type)
