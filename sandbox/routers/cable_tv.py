"""The cable network company's billing API (有线电视): subscriber accounts, monthly bills."""

from sandbox.routers.billing import billing_router

BILL_TYPES = ("cable_tv",)
router = billing_router("/cable-tv/v1", "cable_tv", BILL_TYPES)
