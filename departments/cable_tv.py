"""Client of the city's cable network company (有线电视): subscriber accounts with monthly
bills, the same billing shape as the utility companies, at the company's own API."""

from __future__ import annotations

from departments.utility import BillingClient


class CableTvClient(BillingClient):
    department_name = "有线电视公司"
    api_prefix = "/cable-tv/v1"
