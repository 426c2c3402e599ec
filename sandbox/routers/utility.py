"""The city's unified utility billing platform: water, electricity and gas accounts, and the
outages it announces (`sandbox.outages`)."""

from sandbox import outages
from sandbox.routers.billing import billing_router

BILL_TYPES = ("water", "electricity", "gas")
router = billing_router("/utility/v1", "utility", BILL_TYPES)
router.include_router(outages.router)
