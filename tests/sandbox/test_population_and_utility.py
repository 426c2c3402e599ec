from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from sandbox.database import DEMO_DATA_PATH

SHARED_FIXTURE = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "demo_city.json"


def test_health_names_the_database(sandbox: TestClient) -> None:
    body = sandbox.get("/health").json()
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}


def test_citizen_lookup_by_channel_ids(sandbox: TestClient) -> None:
    by_openid = sandbox.get("/population/v1/citizens", params={"wechat_openid": "oDemoZhangWei0001"}).json()
    assert [c["citizen_id"] for c in by_openid] == ["C001"]
    by_alipay = sandbox.get("/population/v1/citizens", params={"alipay_user_id": "2088000000000001"}).json()
    assert by_alipay[0]["name"] == "张伟"
    assert sandbox.get("/population/v1/citizens", params={"phone": "19900000000"}).json() == []


def test_lookup_needs_an_identifier(sandbox: TestClient) -> None:
    assert sandbox.get("/population/v1/citizens").status_code == 400
    assert sandbox.get("/population/v1/citizens/C999").status_code == 404


def test_accounts_and_bills_match_the_demo_data(sandbox: TestClient) -> None:
    demo = json.loads(DEMO_DATA_PATH.read_text(encoding="utf-8"))
    for account in demo["utility_accounts"]:
        served = sandbox.get(f"/utility/v1/accounts/{account['account_number']}").json()
        assert served["bill_type"] == account["bill_type"]
        assert [bill["period"] for bill in served["bills"]] == [bill["period"] for bill in account["bills"]]
        assert [bill["amount"] for bill in served["bills"]] == [bill["amount"] for bill in account["bills"]]
    linked = sandbox.get("/population/v1/citizens/C001/utility-accounts").json()
    assert {a["bill_type"] for a in linked} >= {"water"}
    assert sandbox.get("/utility/v1/accounts/0000000000").status_code == 404


def test_project_copy_of_demo_data_is_unchanged() -> None:
    if SHARED_FIXTURE.exists():
        assert DEMO_DATA_PATH.read_bytes() == SHARED_FIXTURE.read_bytes()
