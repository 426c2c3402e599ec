"""The shipped content: valid, unique ids, every contract topic, consistent with the demo city."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.catalog import ID_PATTERN, CatalogError, load_catalog, unfold
from knowledge_base.config import DEFAULT_CONTENT_DIR, DEFAULT_EVAL_DIR
from knowledge_base.contract_topics import CONTRACT_TOPICS
from knowledge_base.heldout import heldout_files, load_heldout
from knowledge_base.schema import catalog_problems, contract_problems, known_hall_ids
from tests.knowledge_base.conftest import write_content

GOOD_GUIDE = """
theme: 测试
entries:
  - id: demo.guide
    kind: guide
    question: 示例证件怎么办
    answer: 带身份证去政务服务中心办理。
    guide:
      materials: [身份证]
      steps: [取号, 办理]
      where: 政务服务中心
      hours: 工作日 9:00-17:00
      fee: 0
      time_limit: 当场办结
      online: 暂不支持
"""


def test_every_entry_loads_with_a_unique_id() -> None:
    catalog = load_catalog(DEFAULT_CONTENT_DIR)
    assert len(catalog) == len(set(catalog.ids))
    assert all(ID_PATTERN.match(entry_id) for entry_id in catalog.ids)
    assert all(entry.guide is not None for entry in catalog if entry.kind == "guide")


def test_folded_answers_read_without_stray_spaces() -> None:
    """YAML's `>-` blocks join lines with a space, which is wrong between Chinese sentences."""
    entry = load_catalog(DEFAULT_CONTENT_DIR).get("id_card.replace_lost")
    assert "作废。带户口簿" in entry.answer
    assert unfold("周一至周五 9:00-17:00，周六 上午") == "周一至周五 9:00-17:00，周六上午"


def test_every_contract_topic_has_an_entry() -> None:
    assert contract_problems(load_catalog(DEFAULT_CONTENT_DIR)) == []


def test_content_is_consistent_with_the_demo_city_and_the_heldout_questions() -> None:
    heldout = [question for path in heldout_files(DEFAULT_EVAL_DIR) for question in load_heldout(path)]
    assert heldout, "the held-out questions measure the retriever; they must exist"
    assert catalog_problems(load_catalog(DEFAULT_CONTENT_DIR), known_hall_ids(), heldout) == []


def test_contract_topic_list_is_complete() -> None:
    assert len(CONTRACT_TOPICS) == 64
    assert all(ID_PATTERN.match(topic) for topic in CONTRACT_TOPICS)


def test_a_valid_file_loads(tmp_path: Path) -> None:
    write_content(tmp_path, GOOD_GUIDE)
    entry = load_catalog(tmp_path).get("demo.guide")
    assert entry.guide is not None
    assert entry.guide.fee == "0"
    assert entry.phrasings == ("示例证件怎么办",)


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        (GOOD_GUIDE.replace("      fee: 0\n", ""), "'fee' must be a non-empty string"),
        (GOOD_GUIDE.replace("    kind: guide", "    kind: howto"), "kind must be one of"),
        (GOOD_GUIDE.replace("    answer:", "    anwser:"), "unknown keys ['anwser']"),
        (GOOD_GUIDE.replace("id: demo.guide", "id: Demo Guide"), "must be lowercase words"),
    ],
)
def test_a_broken_entry_is_reported_with_its_file_and_id(tmp_path: Path, broken: str, problem: str) -> None:
    write_content(tmp_path, broken)
    with pytest.raises(CatalogError) as raised:
        load_catalog(tmp_path)
    assert any(problem in line and "topics.yml" in line for line in raised.value.problems)


def test_duplicate_ids_across_files_are_reported(tmp_path: Path) -> None:
    write_content(tmp_path, GOOD_GUIDE, "a.yml")
    write_content(tmp_path, GOOD_GUIDE.replace("示例证件怎么办", "示例证件如何办"), "b.yml")
    with pytest.raises(CatalogError) as raised:
        load_catalog(tmp_path)
    assert any("demo.guide" in line and "already used" in line for line in raised.value.problems)
