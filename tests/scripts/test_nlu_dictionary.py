"""The Jieba dictionary the NLU pipeline loads (config.yml: JiebaTokenizer dictionary_path):
city words stay whole, and no entry may split the identifiers citizens type."""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

DICTIONARY_DIR = Path(__file__).resolve().parents[2] / "data" / "dictionary"


@pytest.fixture(scope="module")
def tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    for path in sorted(DICTIONARY_DIR.glob("*.txt")):
        tokenizer.load_userdict(str(path))
    return tokenizer


@pytest.mark.parametrize("identifier", ["3100012345", "13912345678", "370102199001011234"])
def test_account_phone_and_id_numbers_stay_one_token(tokenizer: jieba.Tokenizer, identifier: str) -> None:
    """Entity extraction works on whole tokens: a split number yields a truncated entity."""
    assert identifier in list(tokenizer.cut(f"我的号码是{identifier}，帮我查一下"))


def test_city_words_are_single_tokens(tokenizer: jieba.Tokenizer) -> None:
    tokens = list(tokenizer.cut("我要转人工，户号是多少，打12345市民热线"))
    for word in ("转人工", "户号", "12345", "市民热线"):
        assert word in tokens, tokens
