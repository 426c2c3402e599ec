"""The bill-type table is the one place a bill type is described: everything else must agree
with it (the NLU's synonyms, the sandbox's routers, the identifier checks)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from common.settings import PROJECT_ROOT, DepartmentSettings
from departments.bill_types import BILL_TYPE_TABLE, BILL_TYPES, PAYABLE_ONLINE, names_list
from departments.registry import Departments
from departments.utility import BillingClient


def nlu_synonyms() -> dict[str, set[str]]:
    synonyms: dict[str, set[str]] = {}
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        for item in yaml.safe_load(Path(path).read_text(encoding="utf-8")).get("nlu", []):
            if "synonym" in item:
                words = {line.strip()[2:].strip() for line in item["examples"].splitlines() if line.strip()}
                synonyms.setdefault(item["synonym"], set()).update(words)
    return synonyms


@pytest.mark.parametrize("row", BILL_TYPE_TABLE, ids=lambda row: row.id)
def test_every_name_a_citizen_uses_maps_to_the_bill_type(row) -> None:  # type: ignore[no-untyped-def]
    mapped = nlu_synonyms().get(row.id, set())
    missing = {row.name, *row.synonyms} - mapped
    assert not missing, f"data/nlu synonyms for {row.id} lack {sorted(missing)}"


def test_every_bill_type_has_a_client_at_its_own_setting() -> None:
    registry = Departments(
        DepartmentSettings(default_url="http://sandbox", urls={"cable_tv": "http://catv.example"})
    )
    for row in BILL_TYPE_TABLE:
        if row.kind == "billed":
            assert isinstance(registry.billing(row.id), BillingClient)
    assert registry.billing("cable_tv")._base_url == "http://catv.example"
    assert registry.billing("water")._base_url == "http://sandbox"
    assert registry.billing("cable_tv").department_name == "有线电视公司"


def test_the_table_answers_what_was_scattered_before() -> None:
    assert set(PAYABLE_ONLINE) == {"water", "electricity", "gas", "cable_tv"}
    assert names_list().startswith("水费、电费、燃气费、有线电视费")
    assert BILL_TYPES["cable_tv"].identifier_problem("CATV20230001") is None
    assert "有线电视账号格式不对" in (BILL_TYPES["cable_tv"].identifier_problem("3100012345") or "")
    assert BILL_TYPES["traffic_fine"].normalise("鲁k a1234") == "鲁K·A1234"
    assert BILL_TYPES["water"].shown("3100012345") != "3100012345"


@pytest.mark.parametrize(
    ("bill_type", "typed", "stored"),
    [
        ("water", "３１０００１２３４５", "3100012345"),
        ("water", "三一零零零一二三四五", "3100012345"),
        ("electricity", "0531-880-002", "0531880002"),
        ("gas", "gz 2008 0077", "GZ20080077"),
        ("social_security", "371002198503122311", "371002198503122311"),
        ("traffic_fine", "鲁k a1234", "鲁K·A1234"),
        ("cable_tv", "catv20230001", "CATV20230001"),
    ],
)
def test_a_typed_identifier_is_read_as_the_department_stores_it(
    bill_type: str, typed: str, stored: str
) -> None:
    assert BILL_TYPES[bill_type].normalise(typed) == stored
