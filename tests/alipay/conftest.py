"""Keys, a fake Alipay platform, a real department sandbox and the Alipay environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.brain import BotMessage
from common.settings import Settings
from integrations.alipay import payments
from sandbox.app import create_app as create_sandbox
from tests.alipay.fake_alipay import AlipaySimulator, FakeAlipay, generate_key, private_pem, public_pem
from tests.servers import serve

APP_ID = "2021000000000042"


@pytest.fixture(scope="session")
def app_key() -> rsa.RSAPrivateKey:
    return generate_key()


@pytest.fixture(scope="session")
def alipay_key() -> rsa.RSAPrivateKey:
    return generate_key()


@pytest.fixture
def fake_alipay(
    app_key: rsa.RSAPrivateKey, alipay_key: rsa.RSAPrivateKey
) -> Iterator[tuple[FakeAlipay, str]]:
    fake = FakeAlipay(APP_ID, app_key.public_key(), alipay_key)
    with serve(fake.app) as url:
        yield fake, f"{url}/gateway.do"


@pytest.fixture
def simulator(alipay_key: rsa.RSAPrivateKey) -> AlipaySimulator:
    return AlipaySimulator(APP_ID, alipay_key)


@pytest.fixture
def sandbox_url(tmp_path: Path) -> Iterator[str]:
    with serve(create_sandbox(Settings(state_dir=tmp_path / "sandbox"))) as url:
        yield url


@pytest.fixture
def alipay_env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    app_key: rsa.RSAPrivateKey,
    alipay_key: rsa.RSAPrivateKey,
    fake_alipay: tuple[FakeAlipay, str],
) -> Iterator[dict[str, str]]:
    """The app private key as PEM text, Alipay's public key as a file: both forms deployers use."""
    public_key_file = tmp_path / "alipay_public_key.pem"
    public_key_file.write_text(public_pem(alipay_key))
    env = {
        "ALIPAY_APP_ID": APP_ID,
        "ALIPAY_APP_PRIVATE_KEY": private_pem(app_key),
        "ALIPAY_PUBLIC_KEY": str(public_key_file),
        "ALIPAY_GATEWAY_URL": fake_alipay[1],
        "ALIPAY_NOTIFY_URL": "https://city.example.cn/alipay",
        "ALIPAY_TIMEOUT_SECONDS": "5",
        "STATE_DIR": str(tmp_path / "assistant"),
        "DATABASE_URL": "",
        "REDIS_URL": "",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("ALIPAY_SANDBOX", "ALIPAY_PAY_MODE", "WATER_API_URL"):
        monkeypatch.delenv(name, raising=False)
    payments.default_payment_service.cache_clear()
    yield env
    payments.default_payment_service.cache_clear()


class FakeBrain:
    """Answers like the real brain does for a greeting: text plus numbered choices."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def respond(self, sender: str, text: str) -> list[BotMessage]:
        self.calls.append((sender, text))
        return [
            {
                "text": f"您好，收到：{text}",
                "buttons": [
                    {"title": "查账单", "payload": "/query_bill"},
                    {"title": "预约挂号", "payload": "/book_appointment"},
                ],
            }
        ]


@pytest.fixture
def brain() -> FakeBrain:
    return FakeBrain()
