"""One reader of the environment, and one table that documents it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from common.settings import PROJECT_ROOT, SettingsError, load_settings

SETTINGS_SOURCE = (PROJECT_ROOT / "common" / "settings.py").read_text(encoding="utf-8")
KB_SOURCE = (PROJECT_ROOT / "knowledge_base" / "config.py").read_text(encoding="utf-8")
README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
PRODUCT_PACKAGES = (
    "actions",
    "bot",
    "common",
    "complaint_router",
    "departments",
    "integrations",
    "knowledge_base",
    "understanding",
)


def read_variables() -> set[str]:
    names = set(re.findall(r'env\.(?:text|integer|number|flag)\("([A-Z0-9_]+)"', SETTINGS_SOURCE))
    names |= set(re.findall(r'"(KB_[A-Z0-9_]+)"', KB_SOURCE))
    return names


def test_every_variable_read_is_in_the_readme_table() -> None:
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", README))
    missing = sorted(read_variables() - documented)
    assert not missing, f"read but not documented in README.md: {missing}"


def test_only_common_settings_reads_the_environment() -> None:
    readers = []
    for package in PRODUCT_PACKAGES:
        for path in Path(PROJECT_ROOT, package).rglob("*.py"):
            if path.name == "settings.py" and path.parent.name == "common":
                continue
            if re.search(r"os\.environ|os\.getenv", path.read_text(encoding="utf-8")):
                readers.append(str(path.relative_to(PROJECT_ROOT)))
    assert not readers, f"read the environment outside common/settings.py: {readers}"


def test_department_addresses_need_no_code_per_department() -> None:
    settings = load_settings({"SANDBOX_URL": "http://sandbox:8100", "CABLE_TV_API_URL": "http://catv/"})
    assert settings.department_settings.url_for("cable_tv") == "http://catv"
    assert settings.department_settings.url_for("water") == "http://sandbox:8100"


def test_a_bad_value_names_its_variable() -> None:
    with pytest.raises(SettingsError, match="DEPARTMENT_TIMEOUT_SECONDS"):
        load_settings({"DEPARTMENT_TIMEOUT_SECONDS": "three"})
