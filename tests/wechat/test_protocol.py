"""Signatures, freshness, safe XML and the AES envelope, checked against Tencent's public vector."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

from integrations.wechat.config import WeChatConfig
from integrations.wechat.menu import MenuError, load_menu
from integrations.wechat.protocol import (
    Envelope,
    RequestRejected,
    check_signature,
    check_timestamp,
    parse_xml,
    sign,
)
from integrations.wechat.simulator import AesEnvelope
from tests.wechat.conftest import Account

# Tencent's own sample (WXBizMsgCrypt), as listed in DESIGN.md.
VECTOR_TOKEN = "spamtest"
VECTOR_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
VECTOR_APP_ID = "wx2c2769f8efd9abc2"
VECTOR_TIMESTAMP = "1409735669"
VECTOR_NONCE = "1320562132"
VECTOR_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
VECTOR_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHF"
    "VAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVti"
    "cbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpA"
    "e+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCum"
    "EPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
VECTOR_BODY = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
    f"<Encrypt><![CDATA[{VECTOR_ENCRYPT}]]></Encrypt></xml>"
).encode()


def _vector_config() -> WeChatConfig:
    return WeChatConfig(token=VECTOR_TOKEN, app_id=VECTOR_APP_ID, encoding_aes_key=VECTOR_AES_KEY)


def _vector_params(msg_signature: str = VECTOR_MSG_SIGNATURE) -> dict[str, str]:
    return {
        "timestamp": VECTOR_TIMESTAMP,
        "nonce": VECTOR_NONCE,
        "encrypt_type": "aes",
        "msg_signature": msg_signature,
    }


def test_public_vector_msg_signature() -> None:
    assert sign(VECTOR_TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE, VECTOR_ENCRYPT) == VECTOR_MSG_SIGNATURE


def test_public_vector_decrypts_to_the_sample_text_message() -> None:
    xml, encrypted = Envelope(_vector_config()).open(_vector_params(), VECTOR_BODY)
    message = parse_message(xml)
    assert encrypted
    assert (message.type, message.content, message.id) == ("text", "abcdteT", 6054768590064713728)
    assert message.source == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"


def test_simulator_crypto_agrees_with_the_public_vector() -> None:
    inner = AesEnvelope(VECTOR_AES_KEY, VECTOR_APP_ID).decrypt(VECTOR_ENCRYPT)
    assert "<Content><![CDATA[abcdteT]]></Content>" in inner


def test_public_vector_with_a_wrong_msg_signature_is_refused() -> None:
    with pytest.raises(RequestRejected) as refused:
        Envelope(_vector_config()).open(_vector_params("0" * 40), VECTOR_BODY)
    assert refused.value.status_code == 403


def test_public_vector_for_another_app_id_is_refused() -> None:
    config = WeChatConfig(token=VECTOR_TOKEN, app_id="wx0000000000000000", encoding_aes_key=VECTOR_AES_KEY)
    with pytest.raises(RequestRejected) as refused:
        Envelope(config).open(_vector_params(), VECTOR_BODY)
    assert refused.value.status_code == 403


def test_replies_sealed_by_the_channel_open_in_the_simulator() -> None:
    account = Account()
    config = WeChatConfig(token=account.token, app_id=account.app_id, encoding_aes_key=account.aes_key)
    sealed = Envelope(config).seal("<xml><Content><![CDATA[你好]]></Content></xml>", True, "123")
    encrypted = parse_xml(sealed.encode())["Encrypt"]
    assert "你好" in AesEnvelope(account.aes_key, account.app_id).decrypt(encrypted)


def test_messages_sealed_by_the_simulator_open_with_wechatpy() -> None:
    account = Account()
    encrypted = AesEnvelope(account.aes_key, account.app_id).encrypt("<xml><a>甲</a></xml>")
    crypto = WeChatCrypto(account.token, account.aes_key, account.app_id)
    signature = sign(account.token, "1", "2", encrypted)
    opened = crypto.decrypt_message({"Encrypt": encrypted}, signature, "1", "2")
    assert opened == "<xml><a>甲</a></xml>"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"timestamp": "1", "nonce": "2"},
        {"timestamp": "1", "nonce": "2", "signature": "0" * 40},
        {"timestamp": "1", "nonce": "2", "signature": sign("other-token", "1", "2")},
    ],
)
def test_unsigned_or_badly_signed_requests_are_refused(params: dict[str, str]) -> None:
    with pytest.raises(RequestRejected) as refused:
        check_signature("token", params)
    assert refused.value.status_code == 403


def test_signature_is_accepted_in_either_case() -> None:
    check_signature("token", {"timestamp": "1", "nonce": "2", "signature": sign("token", "1", "2").upper()})


def test_stale_and_future_timestamps_are_refused() -> None:
    now = time.time()
    check_timestamp(str(int(now) - 299), 300, now)
    for timestamp in (str(int(now) - 301), str(int(now) + 301), "yesterday"):
        with pytest.raises(RequestRejected) as refused:
            check_timestamp(timestamp, 300, now)
        assert refused.value.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b"<xml><Content>&lol2;</Content></xml>",
        b'<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>',
        b"<!DOCTYPE xml><xml></xml>",
        b"<xml><Content>unclosed</xml>",
        b"<html></html>",
        b"",
    ],
)
def test_dangerous_or_malformed_xml_is_refused(body: bytes) -> None:
    with pytest.raises(RequestRejected) as refused:
        parse_xml(body)
    assert refused.value.status_code == 400


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (WeChatConfig(), "WECHAT_TOKEN"),
        (WeChatConfig(token="t", app_id="wx1", encoding_aes_key="short"), "43"),
        (WeChatConfig(token="t", app_id="wx1", encoding_aes_key="!" * 43), "base64"),
        (WeChatConfig(token="t", encoding_aes_key=VECTOR_AES_KEY), "WECHAT_APP_ID"),
    ],
)
def test_configuration_problems_are_named(config: WeChatConfig, problem: str) -> None:
    assert problem in (config.problem() or "")


def test_plain_mode_needs_only_the_token() -> None:
    assert WeChatConfig(token="t").problem() is None


def test_the_shipped_menu_maps_every_click_to_an_utterance() -> None:
    menu = load_menu()
    assert menu.utterance("BILLS") == "我的账单"
    assert menu.utterance("APPOINTMENT") == "我要预约"
    assert menu.utterance("GUIDE") == "办事指南"
    assert menu.utterance("COMPLAINT") == "我要投诉"
    assert menu.utterance("NO_SUCH_KEY") is None
    assert set(menu.definition()) == {"button"}


def test_a_menu_key_without_meaning_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "menu.json"
    path.write_text(
        '{"button": [{"type": "click", "name": "查", "key": "X"}], "clicks": {}}', encoding="utf-8"
    )
    with pytest.raises(MenuError):
        load_menu(path)
