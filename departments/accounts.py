"""Which accounts we already know for a channel user, one identifier per bill type.

A WeChat or Alipay user the city links to a citizen needs no binding at all: the population
registry names their accounts, id number, fund account and vehicles. What a citizen bound
themselves (in any channel, including anonymous web chat) overrides that.
"""

from __future__ import annotations

import logging

from departments.base import DepartmentError
from departments.bindings import binding_store
from departments.registry import Departments, departments

logger = logging.getLogger(__name__)


async def linked_accounts(sender_id: str, registry: Departments | None = None) -> dict[str, str]:
    """Accounts of the citizen the city links to this WeChat/Alipay user; empty for others."""
    registry = registry or departments()
    try:
        citizen = await registry.population.find_by_channel_user(sender_id)
        if citizen is None:
            return {}
        accounts = {
            account.bill_type: account.account_number
            for account in await registry.population.utility_accounts(citizen.citizen_id)
        }
        accounts["social_security"] = citizen.id_number
        fund = await registry.housing_fund.account_for_citizen_or_none(citizen.citizen_id)
        if fund is not None:
            accounts["housing_fund"] = fund.account_number
        plates = await registry.population.vehicle_plates(citizen.citizen_id)
        if plates:
            accounts["traffic_fine"] = plates[0]
        return accounts
    except DepartmentError as error:
        logger.warning("linked accounts unavailable: %s", error)
        return {}


async def known_accounts(sender_id: str) -> dict[str, str]:
    """Linked accounts, overridden by what the citizen bound themselves."""
    return {**await linked_accounts(sender_id), **await binding_store().all_for(sender_id)}
