"""Which accounts we already know for a channel user, one identifier per bill type.

A verified channel user (a WeChat or Alipay user the city links to a citizen, or one who
passed the SMS check, `departments.identity`) needs no binding at all: the population
registry names their accounts, id number, fund account and vehicles. What a citizen bound
themselves (in any channel, including anonymous web chat) overrides that.
"""

from __future__ import annotations

import logging

from departments.base import DepartmentError
from departments.bindings import binding_store
from departments.identity import Identity, is_personal
from departments.registry import Departments, departments

logger = logging.getLogger(__name__)


async def linked_accounts(sender_id: str, registry: Departments | None = None) -> dict[str, str]:
    """Accounts of the citizen this channel user is verified as (a WeChat/Alipay user the city
    links to a citizen, or a user who passed the SMS check); empty for anonymous users."""
    registry = registry or departments()
    try:
        citizen = await Identity(registry=registry).verified_citizen(sender_id)
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
    """Linked accounts, overridden by the utility accounts the citizen bound themselves
    (personal records come from the verified identity only, never from a typed binding)."""
    bound = {
        bill_type: identifier
        for bill_type, identifier in (await binding_store().all_for(sender_id)).items()
        if not is_personal(bill_type)
    }
    return {**await linked_accounts(sender_id), **bound}
