"""Runs last (its folder sorts after every other suite): every log file the run's stacks and
servers wrote holds no whole id number, phone, account number, openid or Alipay user id of a
demo citizen. A leak in any process or any library logger fails the run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from common.settings import PROJECT_ROOT

DEMO_FILES = [
    PROJECT_ROOT / "sandbox" / "demo_city.json",
    *(PROJECT_ROOT / "sandbox" / "fixtures").glob("*.json"),
]


def demo_identifiers() -> set[str]:
    values: set[str] = set()
    for path in DEMO_FILES:
        data = json.loads(path.read_text(encoding="utf-8"))
        for citizen in data.get("citizens", []):
            for key in ("id_number", "phone", "wechat_openid", "alipay_user_id"):
                if citizen.get(key):
                    values.add(str(citizen[key]))
        for account in data.get("utility_accounts", []):
            values.add(str(account["account_number"]))
        for fund in data.get("housing_fund", []):
            if fund.get("account_number"):
                values.add(str(fund["account_number"]))
    return {value for value in values if len(value) >= 8}


def test_no_log_line_carries_a_whole_identifier(tmp_path_factory: pytest.TempPathFactory) -> None:
    pattern = re.compile("|".join(re.escape(value) for value in sorted(demo_identifiers())))
    leaks: list[str] = []
    scanned = 0
    for path in Path(tmp_path_factory.getbasetemp()).rglob("*.log"):
        scanned += 1
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if pattern.search(line):
                leaks.append(f"{path.name}:{number}: {pattern.sub('<ID>', line)[:160]}")
    assert not leaks, f"{len(leaks)} log lines carry a whole identifier, e.g. {leaks[:5]}"
    print(f"scanned {scanned} log files")
