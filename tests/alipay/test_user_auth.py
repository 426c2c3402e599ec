"""Alipay's user-info authorisation without Rasa: a real sandbox, the fake Alipay platform
(checking our signatures) and the assistant's SQLite database."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from common.settings import load_settings
from departments.identity import Identity
from departments.registry import Departments
from integrations.alipay.config import load_alipay_config
from integrations.alipay.user_auth import UserAuthorization, build_user_authorization
from tests.alipay.fake_alipay import FakeAlipay

USER = "2088000000000071"
ZHANG_ID = "371002198503122311"


@pytest.fixture
def authorization(
    alipay_env: dict[str, str], sandbox_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> UserAuthorization:
    monkeypatch.setenv("ALIPAY_AUTH_REDIRECT_URL", "https://city.example.cn/alipay/auth")
    monkeypatch.setenv("SANDBOX_URL", sandbox_url)
    config = load_alipay_config()
    assert config is not None
    return build_user_authorization(config, settings=load_settings(), registry=Departments.at(sandbox_url))


async def _state(authorization: UserAuthorization, sender: str = f"alipay:{USER}") -> str:
    link = await authorization.link_for(sender)
    assert link is not None and USER not in link
    return parse_qs(urlsplit(link).query)["state"][0]


async def test_a_certified_registered_user_is_verified_once(
    authorization: UserAuthorization, fake_alipay: tuple[FakeAlipay, str], sandbox_url: str
) -> None:
    fake, _ = fake_alipay
    fake.certified[USER] = ZHANG_ID
    state = await _state(authorization)
    outcome = await authorization.complete(fake.issue_auth_code(USER), state)
    assert outcome.status == "verified" and outcome.sender_id == f"alipay:{USER}"
    citizen = await Identity(registry=Departments.at(sandbox_url)).verified_citizen(f"alipay:{USER}")
    assert citizen is not None and citizen.citizen_id == "C001"
    assert (await authorization.complete(fake.issue_auth_code(USER), state)).status == "expired"
    assert fake.bad_signatures == 0


async def test_uncertified_unregistered_and_unreachable(
    authorization: UserAuthorization, fake_alipay: tuple[FakeAlipay, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, _ = fake_alipay
    assert (await authorization.complete(fake.issue_auth_code(USER), await _state(authorization))).status == (
        "not_certified"
    )
    fake.certified[USER] = "110101199003077774"  # a valid id number nobody in the city registered
    assert (await authorization.complete(fake.issue_auth_code(USER), await _state(authorization))).status == (
        "not_registered"
    )
    assert (await authorization.complete("not-a-code", await _state(authorization))).status == "unavailable"


async def test_no_link_outside_alipay(authorization: UserAuthorization) -> None:
    assert await authorization.link_for("web:abc") is None
