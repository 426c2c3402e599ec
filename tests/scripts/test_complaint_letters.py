"""The NLU's long complaint letters come from the complaint router's data: they must not drift
apart, and the annotations the generator adds must be ones Rasa reads as the NLU's own."""

from __future__ import annotations

import yaml

from scripts import complaint_letters


def test_generated_letters_match_the_router_data() -> None:
    assert complaint_letters.OUTPUT.read_text(encoding="utf-8") == complaint_letters.render(), (
        "data/nlu/complaint_letters.yml is stale: run .venv/bin/python scripts/complaint_letters.py"
    )


def test_every_letter_is_a_long_file_complaint_example() -> None:
    document = yaml.safe_load(complaint_letters.OUTPUT.read_text(encoding="utf-8"))
    (block,) = document["nlu"]
    assert block["intent"] == "file_complaint"
    letters = [line[2:] for line in block["examples"].splitlines()]
    assert len(letters) >= 100
    assert all(len(letter) >= complaint_letters.MIN_LETTER_CHARS for letter in letters)


def test_districts_and_category_words_are_annotated_like_the_hand_written_examples() -> None:
    words = {"油烟": "environment", "停水": "water_supply"}
    text = complaint_letters.annotate(
        "我住在环翠区，楼下饭店油烟太大(每天都有)，[急]", "environment", ["环翠区"], words
    )
    assert (
        text
        == "我住在[环翠区](district)，楼下饭店[油烟](complaint_category:environment)太大（每天都有），【急】"
    )


def test_a_category_word_of_another_category_stays_plain() -> None:
    text = complaint_letters.annotate("停水三天了", "environment", [], {"停水": "water_supply"})
    assert text == "停水三天了"
