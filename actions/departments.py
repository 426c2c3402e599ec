"""The department clients of this process, one per department.

Each department's API can live at its own address in a real city; every URL defaults to
the sandbox so a laptop needs nothing else.
"""

from __future__ import annotations

import os

from actions.clients.appointments import AppointmentClient
from actions.clients.complaints import ComplaintClient
from actions.clients.housing_fund import HousingFundClient
from actions.clients.hrss import HrssClient
from actions.clients.population import PopulationClient
from actions.clients.traffic import TrafficClient
from actions.clients.utility import UtilityClient
from common.settings import load_settings


def _department_url(variable: str) -> str:
    return os.environ.get(variable) or load_settings().sandbox_url


population = PopulationClient(_department_url("POPULATION_API_URL"))
hrss = HrssClient(_department_url("HRSS_API_URL"))
housing_fund = HousingFundClient(_department_url("HPF_API_URL"))
traffic = TrafficClient(_department_url("TRAFFIC_API_URL"))
appointments = AppointmentClient(_department_url("APPOINTMENTS_API_URL"))
complaints = ComplaintClient(_department_url("COMPLAINTS_API_URL"))
_utilities = {
    "water": UtilityClient(_department_url("WATER_API_URL"), "供水公司"),
    "electricity": UtilityClient(_department_url("ELECTRICITY_API_URL"), "供电公司"),
    "gas": UtilityClient(_department_url("GAS_API_URL"), "燃气公司"),
}


def utility_client(bill_type: str) -> UtilityClient:
    return _utilities[bill_type]
