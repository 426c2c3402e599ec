"""What identifies a citizen's account for each bill type, and which accounts we already know.

Utilities are identified by their account number, social security by the id number,
the housing fund by its account number or the id number, traffic fines by the plate.
A WeChat or Alipay user the city already links to a citizen needs no binding at all.
"""

from __future__ import annotations

import logging
import re

from actions.bindings import binding_store
from actions.clients.base import DepartmentError
from actions.departments import housing_fund, population
from common.identity import id_number_problem, normalise_plate

logger = logging.getLogger(__name__)

UTILITY_TYPES = ("water", "electricity", "gas")
BILL_TYPES = (*UTILITY_TYPES, "social_security", "housing_fund", "traffic_fine")
BILL_TYPE_NAMES = {
    "water": "水费",
    "electricity": "电费",
    "gas": "燃气费",
    "social_security": "社保",
    "housing_fund": "公积金",
    "traffic_fine": "交通违章",
}
IDENTIFIER_NAMES = {
    "water": "水费户号",
    "electricity": "电费户号",
    "gas": "燃气户号",
    "social_security": "身份证号",
    "housing_fund": "公积金账号或身份证号",
    "traffic_fine": "车牌号",
}
IDENTIFIER_HINTS = {
    "water": "在水费单或缴费记录上能找到，如 3100012345",
    "electricity": "在电费单或“网上国网”App里能找到，如 0531880001",
    "gas": "在燃气卡或缴费单上能找到，如 GZ20080077",
    "social_security": "18位，最后一位可能是X",
    "housing_fund": "如 GJJ370100001，也可以直接发身份证号",
    "traffic_fine": "如 鲁K·A1234",
}
IDENTIFIER_ENTITIES = {
    "water": ("account_number",),
    "electricity": ("account_number",),
    "gas": ("account_number",),
    "social_security": ("id_number",),
    "housing_fund": ("account_number", "id_number"),
    "traffic_fine": ("plate_number",),
}
_UTILITY_ACCOUNT = re.compile(r"^[A-Z]{0,3}\d{6,14}$")
_FUND_ACCOUNT = re.compile(r"^GJJ\d{6,12}$")


def normalise_identifier(bill_type: str, value: str) -> str:
    compact = re.sub(r"\s", "", value).upper()
    if bill_type == "traffic_fine":
        return normalise_plate(compact) or compact
    return compact


def identifier_problem(bill_type: str, value: str) -> str | None:
    """Why the typed identifier cannot be right for this bill type, in the citizen's words."""
    name = IDENTIFIER_NAMES[bill_type]
    if bill_type in UTILITY_TYPES:
        return None if _UTILITY_ACCOUNT.match(value) else f"{name}格式不对，{IDENTIFIER_HINTS[bill_type]}。"
    if bill_type == "social_security":
        return id_number_problem(value)
    if bill_type == "housing_fund":
        return None if _FUND_ACCOUNT.match(value) else id_number_problem(value)
    return None if normalise_plate(value) else f"车牌号格式不对，{IDENTIFIER_HINTS[bill_type]}。"


async def linked_accounts(sender_id: str) -> dict[str, str]:
    """Accounts of the citizen the city links to this WeChat/Alipay user; empty for others."""
    try:
        citizen = await population.find_by_channel_user(sender_id)
        if citizen is None:
            return {}
        accounts = {
            account.bill_type: account.account_number
            for account in await population.utility_accounts(citizen.citizen_id)
        }
        accounts["social_security"] = citizen.id_number
        fund = await housing_fund.account_for_citizen_or_none(citizen.citizen_id)
        if fund is not None:
            accounts["housing_fund"] = fund.account_number
        plates = await population.vehicle_plates(citizen.citizen_id)
        if plates:
            accounts["traffic_fine"] = plates[0]
        return accounts
    except DepartmentError as error:
        logger.warning("linked accounts unavailable: %s", error)
        return {}


async def known_accounts(sender_id: str) -> dict[str, str]:
    """Linked accounts, overridden by what the citizen bound themselves."""
    return {**await linked_accounts(sender_id), **await binding_store().all_for(sender_id)}
