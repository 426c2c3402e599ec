"""The action server loads every action: rasa-sdk walks the `actions` package with pkgutil,
which imports a subpackage by its bare name, so `actions/<x>/` beside a top-level `<x>/`
package (as `actions/notices/` beside `notices/` once was) makes the server fail to start."""

from __future__ import annotations

import pkgutil

import yaml
from rasa_sdk.executor import ActionExecutor

import actions
from scripts.stack import PROJECT_ROOT


def test_no_action_subpackage_shadows_a_top_level_package() -> None:
    top_level = {module.name for module in pkgutil.iter_modules([str(PROJECT_ROOT)]) if module.ispkg}
    subpackages = {module.name for module in pkgutil.iter_modules(actions.__path__) if module.ispkg}
    assert not subpackages & top_level


def test_every_custom_action_of_the_domain_is_registered() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    custom = {name for name in domain["actions"] if name.startswith(("action_", "validate_"))}
    assert custom <= set(executor.actions)
