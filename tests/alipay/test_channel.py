"""The life-account gateway against a fake Alipay platform: signatures, answers, duplicates."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Iterator
from pathlib import Path

import defusedxml.ElementTree as SafeXml
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.brain import BotMessage
from bot.delivery import Deliveries
from common.store import MemoryStore
from integrations.alipay.channel import mount_alipay
from integrations.alipay.config import AlipayConfigError, load_alipay_config
from tests.alipay.conftest import FakeBrain
from tests.alipay.fake_alipay import FORM, AlipaySimulator, FakeAlipay, form_body, generate_key, verify

USER = "2088000000000001"


@pytest.fixture
def gateway(alipay_env: dict[str, str], brain: FakeBrain) -> Iterator[TestClient]:
    app = FastAPI()
    mount_alipay(app, brain, MemoryStore(), Deliveries())
    with TestClient(app) as client:
        yield client


def post(client: TestClient, params: dict[str, str], charset: str = "utf-8") -> tuple[int, bytes]:
    response = client.post("/alipay", content=form_body(params, charset), headers=FORM)
    return response.status_code, response.content


def check_envelope(body: bytes, app_key: rsa.RSAPrivateKey, charset: str = "utf-8") -> SafeXml.Element:
    """The reply is signed by the app over exactly the text inside <response>...</response>."""
    text = body.decode(charset)
    signed = re.search(r"<response>(.*)</response>", text, re.S)
    assert signed is not None
    root = SafeXml.fromstring(re.sub(r"^<\?xml[^>]*\?>", "", text))
    assert root.tag == "alipay"
    assert root.findtext("sign_type") == "RSA2"
    assert verify(signed.group(1), root.findtext("sign") or "", app_key.public_key(), charset)
    return root.find("response")


def test_verifygw_answers_with_the_signed_app_public_key(
    gateway: TestClient, simulator: AlipaySimulator, app_key: rsa.RSAPrivateKey
) -> None:
    status, body = post(gateway, simulator.verifygw())

    assert status == 200
    response = check_envelope(body, app_key)
    assert response.findtext("success") == "true"
    public_der = app_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert response.findtext("biz_content") == base64.b64encode(public_der).decode()


def test_verifygw_with_a_bad_signature_answers_verify_failed(
    gateway: TestClient, simulator: AlipaySimulator, app_key: rsa.RSAPrivateKey
) -> None:
    params = simulator.verifygw()
    params["sign"] = simulator.gateway_call("alipay.service.check", "<XML/>")["sign"]

    status, body = post(gateway, params)

    assert status == 200
    response = check_envelope(body, app_key)
    assert response.findtext("success") == "false"
    assert response.findtext("error_code") == "VERIFY_FAILED"


def test_text_message_is_acked_and_answered_through_custom_send(
    gateway: TestClient,
    simulator: AlipaySimulator,
    brain: FakeBrain,
    fake_alipay: tuple[FakeAlipay, str],
    app_key: rsa.RSAPrivateKey,
) -> None:
    status, body = post(gateway, simulator.text(USER, "你好", msg_id="m-1"))

    assert status == 200
    response = check_envelope(body, app_key)
    ack = response.find("XML")
    assert ack is not None
    assert ack.findtext("MsgType") == "ack"
    assert ack.findtext("ToUserId") == USER
    assert brain.calls == [(f"alipay:{USER}", "你好")]
    fake, _ = fake_alipay
    assert fake.texts_to(USER) == ["您好，收到：你好\n1. 查账单\n2. 预约挂号\n请回复数字选择。"]
    assert fake.bad_signatures == 0


def test_gbk_message_is_verified_and_decoded(
    gateway: TestClient, simulator: AlipaySimulator, brain: FakeBrain, app_key: rsa.RSAPrivateKey
) -> None:
    status, body = post(gateway, simulator.text(USER, "查水费", msg_id="m-gbk", charset="GBK"), "gbk")

    assert status == 200
    check_envelope(body, app_key, "gbk")
    assert brain.calls == [(f"alipay:{USER}", "查水费")]


def test_repeated_message_reaches_the_brain_once(
    gateway: TestClient, simulator: AlipaySimulator, brain: FakeBrain, fake_alipay: tuple[FakeAlipay, str]
) -> None:
    message = simulator.text(USER, "查账单", msg_id="m-dup")

    first, _ = post(gateway, message)
    second, body = post(gateway, message)

    assert (first, second) == (200, 200)
    assert b"ack" in body
    assert brain.calls == [(f"alipay:{USER}", "查账单")]
    assert len(fake_alipay[0].texts_to(USER)) == 1


@pytest.mark.parametrize("forgery", ["other_key", "tampered"])
def test_bad_signature_is_refused_before_anything_else(
    gateway: TestClient,
    simulator: AlipaySimulator,
    brain: FakeBrain,
    fake_alipay: tuple[FakeAlipay, str],
    forgery: str,
) -> None:
    if forgery == "other_key":
        params = simulator.gateway_call(
            "alipay.mobile.public.message.notify",
            simulator.message_xml(USER, "text", "<Text><Content>hi</Content></Text>", "m-x"),
            key=generate_key(),
        )
    else:
        params = simulator.text(USER, "你好", msg_id="m-y")
        params["biz_content"] = params["biz_content"].replace("你好", "转账")

    status, body = post(gateway, params)

    assert status == 403
    assert body == b"fail"
    assert brain.calls == []
    assert fake_alipay[0].custom_sends == []


def test_events_follow_click_and_unfollow(
    gateway: TestClient, simulator: AlipaySimulator, brain: FakeBrain, fake_alipay: tuple[FakeAlipay, str]
) -> None:
    for params in (
        simulator.event(USER, "follow"),
        simulator.event("2088000000000002", "click", "query_bill"),
        simulator.event("2088000000000003", "unfollow"),
    ):
        assert post(gateway, params)[0] == 200

    assert brain.calls == [(f"alipay:{USER}", "你好"), ("alipay:2088000000000002", "我的账单")]
    fake, _ = fake_alipay
    assert len(fake.texts_to(USER)) == 1
    assert fake.texts_to("2088000000000003") == []


def test_non_text_message_gets_a_plain_hint(
    gateway: TestClient, simulator: AlipaySimulator, brain: FakeBrain, fake_alipay: tuple[FakeAlipay, str]
) -> None:
    params = simulator.gateway_call(
        "alipay.mobile.public.message.notify",
        simulator.message_xml(USER, "image", "<Image><MediaId>abc</MediaId></Image>", "m-img"),
    )

    assert post(gateway, params)[0] == 200
    assert brain.calls == []
    assert fake_alipay[0].texts_to(USER)[0].startswith("目前只能看懂文字消息")


def test_xml_with_entities_is_refused(
    gateway: TestClient, simulator: AlipaySimulator, brain: FakeBrain
) -> None:
    evil = '<!DOCTYPE x [<!ENTITY a "aaaa">]><XML><FromAlipayUserId>&a;</FromAlipayUserId></XML>'
    status, _ = post(gateway, simulator.gateway_call("alipay.mobile.public.message.notify", evil))

    assert status == 400
    assert brain.calls == []


def test_without_app_id_the_gateway_starts_and_alipay_answers_503(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.app import create_app

    monkeypatch.delenv("ALIPAY_APP_ID", raising=False)
    with TestClient(create_app()) as client:
        response = client.post("/alipay", content=b"service=x", headers=FORM)

    assert response.status_code == 503
    assert "暂未开通" in response.text


def test_bad_pem_stops_startup_naming_the_variable(
    alipay_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_looking = "-----BEGIN " + "PRIVATE KEY-----\nTOPSECRETnotakey\n-----END " + "PRIVATE KEY-----"
    monkeypatch.setenv("ALIPAY_APP_PRIVATE_KEY", secret_looking)

    with pytest.raises(AlipayConfigError) as error:
        mount_alipay(FastAPI(), FakeBrain(), MemoryStore(), Deliveries())

    assert "ALIPAY_APP_PRIVATE_KEY" in str(error.value)
    assert "TOPSECRET" not in str(error.value)


@pytest.mark.parametrize("value", ["/no/such/key.pem", "not a key"])
def test_unreadable_public_key_is_named(
    alipay_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ALIPAY_PUBLIC_KEY", value)

    with pytest.raises(AlipayConfigError, match="ALIPAY_PUBLIC_KEY"):
        load_alipay_config()


def test_keys_as_bare_base64_and_files_are_accepted(
    alipay_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    app_key: rsa.RSAPrivateKey,
) -> None:
    key_file = tmp_path / "app_private_key.pem"
    key_file.write_text(alipay_env["ALIPAY_APP_PRIVATE_KEY"])
    monkeypatch.setenv("ALIPAY_APP_PRIVATE_KEY", str(key_file))
    bare_public = Path(alipay_env["ALIPAY_PUBLIC_KEY"]).read_text().split("-----")[2]
    monkeypatch.setenv("ALIPAY_PUBLIC_KEY", bare_public.replace("\n", ""))
    monkeypatch.setenv("ALIPAY_SANDBOX", "true")
    monkeypatch.delenv("ALIPAY_GATEWAY_URL")

    config = load_alipay_config()

    assert config is not None
    assert config.app_private_key.private_numbers() == app_key.private_numbers()
    assert "alipaydev.com" in config.gateway_url


def test_an_agent_message_goes_out_through_custom_send_and_silence_sends_nothing(
    alipay_env: dict[str, str], simulator: AlipaySimulator, fake_alipay: tuple[FakeAlipay, str]
) -> None:
    """A handed-off chat: the brain says nothing to the citizen, the agent's words are pushed."""

    class SilentBrain:
        async def respond(self, sender: str, text: str) -> list[BotMessage]:
            return []

    deliveries = Deliveries()
    app = FastAPI()
    mount_alipay(app, SilentBrain(), MemoryStore(), deliveries)
    with TestClient(app) as client:
        status, _ = post(client, simulator.text(USER, "还在吗", msg_id="m-silent"))
        assert status == 200
        assert asyncio.run(deliveries.send(f"alipay:{USER}", "【人工客服】您好，我来帮您。"))
    fake, _ = fake_alipay
    assert fake.texts_to(USER) == ["【人工客服】您好，我来帮您。"]
    assert fake.bad_signatures == 0
