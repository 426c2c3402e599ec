"""Spaces between words and numbers make no tokens (rasa_components/words_tokenizer.py), so DIET
can tag no blank entity; config.yml tokenizes with it."""

from __future__ import annotations

import json

import yaml

from scripts.train import PROJECT_ROOT
from tests.rasa_components.rasa_python import rasa_json

TOKENIZE = """
import json, sys
sys.path.insert(0, ".")
from rasa.shared.nlu.training_data.message import Message
from rasa_components.words_tokenizer import WordsOnlyJiebaTokenizer as Tokenizer
tokenizer = Tokenizer(Tokenizer.get_default_config(), None, None)
texts = json.loads(sys.argv[1])
print(json.dumps([[(t.text, t.start, t.end) for t in tokenizer.tokenize(Message({"text": text}), "text")] for text in texts]))
"""


def _tokens(*texts: str) -> list[list[list[object]]]:
    return rasa_json("-c", TOKENIZE, json.dumps(texts), timeout_seconds=120)


def test_spaces_and_tabs_make_no_tokens_and_offsets_stay_right() -> None:
    spaced, tabbed, blank = _tokens("查水费  3100012345", "户号\t0531880002 电费", "   ")
    assert spaced == [["查", 0, 1], ["水费", 1, 3], ["3100012345", 5, 15]]
    assert [token[0] for token in tabbed] == ["户号", "0531880002", "电费"]
    assert blank, "a blank message keeps a token"


def test_config_tokenizes_with_it() -> None:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    assert config["pipeline"][0]["name"] == "rasa_components.words_tokenizer.WordsOnlyJiebaTokenizer"
