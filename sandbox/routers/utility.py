"""The city's unified utility billing platform: water, electricity and gas accounts."""

from sandbox.routers.billing import billing_router

BILL_TYPES = ("water", "electricity", "gas")
router = billing_router("/utility/v1", "utility", BILL_TYPES)
