"""The city's unified utility billing platform: water, electricity and gas accounts."""

from sandbox.routers.billing import billing_router

router = billing_router("/utility/v1", "utility", ("water", "electricity", "gas"))
