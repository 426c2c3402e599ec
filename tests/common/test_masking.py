from __future__ import annotations

import logging

import pytest

from common.masking import (
    PiiMaskingFilter,
    mask_account,
    mask_id_number,
    mask_ip,
    mask_name,
    mask_phone,
    mask_text,
)


def test_masks_keep_only_what_identifies_for_the_citizen() -> None:
    assert mask_id_number("371002198503122311") == "3710**********2311"
    assert mask_phone("13805310001") == "138****0001"
    assert mask_account("3100012345") == "310***2345"
    assert mask_name("张伟") == "张*"
    assert mask_ip("203.0.113.57") == "203.0.*.*"
    assert mask_ip("2001:db8:85a3::8a2e:370:7334") == "2001:db8:*"


def test_mask_text_finds_identifiers_in_free_text() -> None:
    text = "用户 oDemoZhangWei0001 身份证371002198503122311 电话13805310001 支付宝2088000000000001"
    masked = mask_text(text)
    for secret in ("371002198503122311", "13805310001", "oDemoZhangWei0001", "2088000000000001"):
        assert secret not in masked
    assert "3710**********2311" in masked and "138****0001" in masked


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.masking")
    logger.addFilter(PiiMaskingFilter())
    with caplog.at_level(logging.INFO, logger="test.masking"):
        logger.info("binding %s for %s", "13805310001", "371002198503122311")
    assert "13805310001" not in caplog.text and "371002198503122311" not in caplog.text
