"""Identity verification against a real sandbox (population registry and SMS gateway) over
HTTP: codes go only to the registered phone, wrong codes void, nothing enumerates."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from common.settings import IdentitySettings, Settings, SmsSettings
from departments.base import DepartmentUnavailable
from departments.identity import Identity, VerificationStore, code_in, normalise_subject
from departments.registry import Departments
from departments.sms import SmsClient, SmsCredentials
from sandbox.app import create_app as create_sandbox_app
from tests.servers import serve

ZHANG_ID, ZHANG_PHONE = "371002198503122311", "13805310001"
SMS_KEY, SMS_SECRET = "test-key", secrets.token_hex(16)


@pytest.fixture(scope="module")
def signed_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A sandbox that checks the SMS signature with this module's own key and secret."""
    settings = Settings(
        state_dir=tmp_path_factory.mktemp("sandbox"),
        sandbox_faults_enabled=True,
        sms=SmsSettings(api_key=SMS_KEY, api_secret=SMS_SECRET),
    )
    with serve(create_sandbox_app(settings)) as url:
        yield url


@pytest.fixture
def registry(signed_sandbox: str) -> Departments:
    registry = Departments.at(signed_sandbox)
    registry._clients["sms"] = SmsClient(
        signed_sandbox, credentials=SmsCredentials(api_key=SMS_KEY, api_secret=SMS_SECRET)
    )
    return registry


@pytest.fixture
def service(registry: Departments, tmp_path: Path) -> Identity:
    store = VerificationStore(f"sqlite:///{tmp_path / 'assistant.db'}")
    return Identity(store, registry, IdentitySettings(resend_seconds=60, max_attempts=5))


def inbox(sandbox: str, phone: str) -> list[dict[str, str]]:
    response = httpx.get(f"{sandbox}/sms/v1/messages", params={"phone": phone})
    response.raise_for_status()
    return response.json()["messages"]


def latest_code(sandbox: str, phone: str) -> str:
    messages = inbox(sandbox, phone)
    assert messages, "no SMS received"
    found = re.search(r"\d{6}", messages[0]["text"])
    assert found
    return found.group(0)


async def test_a_code_goes_to_the_registered_phone_and_verifies(
    service: Identity, signed_sandbox: str
) -> None:
    sender = f"web-{secrets.token_hex(4)}"
    assert await service.verified_citizen(sender) is None
    assert await service.start(sender, ZHANG_ID) == "sent"
    text = inbox(signed_sandbox, ZHANG_PHONE)[0]["text"]
    assert text.startswith("【示例市市民服务】您的验证码是") and "5分钟内有效" in text
    result = await service.check(sender, latest_code(signed_sandbox, ZHANG_PHONE))
    assert result.status == "verified"
    citizen = await service.verified_citizen(sender)
    assert citizen is not None and citizen.id_number == ZHANG_ID
    assert await service.verified_citizen(f"other-{sender}") is None


async def test_five_wrong_codes_void_the_code(service: Identity, signed_sandbox: str) -> None:
    sender = f"web-{secrets.token_hex(4)}"
    await service.start(sender, ZHANG_PHONE)
    right = latest_code(signed_sandbox, ZHANG_PHONE)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    statuses = [(await service.check(sender, wrong)).status for _ in range(5)]
    assert statuses == ["wrong"] * 4 + ["void"]
    assert (await service.check(sender, right)).status == "expired"
    assert await service.verified_citizen(sender) is None


async def test_an_unknown_number_gets_the_same_answer_and_no_sms(
    service: Identity, signed_sandbox: str
) -> None:
    sender = f"web-{secrets.token_hex(4)}"
    assert await service.start(sender, "13999990000") == "sent"
    assert inbox(signed_sandbox, "13999990000") == []
    assert (await service.check(sender, "123456")).status == "wrong"


async def test_resending_is_throttled(service: Identity, signed_sandbox: str) -> None:
    sender = f"web-{secrets.token_hex(4)}"
    assert await service.start(sender, ZHANG_ID) == "sent"
    assert await service.start(sender, ZHANG_ID) == "already_sent"
    assert await service.start(sender, "371002199208271423") == "throttled"


async def test_an_unsigned_sms_request_is_refused(signed_sandbox: str) -> None:
    unsigned = SmsClient(signed_sandbox, credentials=SmsCredentials(api_key=SMS_KEY, api_secret="wrong"))
    with pytest.raises(DepartmentUnavailable):
        await unsigned.send(ZHANG_PHONE, {"code": "123456", "minutes": "5"})
    response = httpx.post(
        f"{signed_sandbox}/sms/v1/messages",
        json={
            "phone": ZHANG_PHONE,
            "template_id": "SMS_VERIFY_CODE",
            "params": {"code": "1", "minutes": "5"},
        },
    )
    assert response.status_code == 401


def test_the_outbox_is_hidden_without_the_test_endpoints(tmp_path: Path) -> None:
    with serve(create_sandbox_app(Settings(state_dir=tmp_path))) as url:
        assert httpx.get(f"{url}/sms/v1/messages", params={"phone": ZHANG_PHONE}).status_code in (404, 405)


def test_subjects_and_codes_are_read_from_what_citizens_type() -> None:
    assert normalise_subject("我的身份证 371002198503122311") == ZHANG_ID
    assert normalise_subject("138 0531 0001") == "13805310001"
    assert normalise_subject("371002198503122312") is None
    assert code_in("验证码是 123456") == "123456"
    assert code_in("12345") is None
