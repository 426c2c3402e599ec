"""The retriever with the real encoder: answers, clarifications, unknowns and the disk cache."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from knowledge_base.catalog import load_catalog
from knowledge_base.config import PACKAGE_DIR, DecisionThresholds
from knowledge_base.encoders import Encoder
from knowledge_base.retriever import Retriever, decide_from_scores
from tests.knowledge_base.conftest import write_content

SMALL_KB = """
theme: 测试
entries:
  - id: passport.apply
    kind: faq
    question: 怎么办护照
    alternatives: [护照去哪办, 第一次办护照要带什么]
    answer: 带身份证到出入境窗口办理，工本费120元。
  - id: utility.water_pay
    kind: faq
    question: 水费怎么交
    alternatives: [自来水费在哪缴, 网上交水费]
    answer: 可在支付宝或微信生活缴费里交水费。
  - id: hall.hours
    kind: faq
    question: 政务服务中心几点上班
    alternatives: [政务大厅周六开门吗]
    answer: 周一至周五 9:00-17:00，周六上午也办理。
"""


def small_retriever(content: Path, cache: Path, encoder: Encoder, encoder_id: str) -> Retriever:
    return Retriever(load_catalog(content), encoder, encoder_id, cache_dir=cache)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("身份证弄丢了，要去哪里补一张", "id_card.replace_lost"),
        ("我想办个护照出国旅游", "passport.apply"),
        ("水费去哪交", "utility.water_pay"),
    ],
)
def test_a_paraphrase_is_answered_with_the_right_entry(
    retriever: Retriever, question: str, expected: str
) -> None:
    decision = retriever.decide(question)
    assert decision.kind == "answer", decision
    assert [hit.id for hit in decision.hits] == [expected]


def test_a_close_call_asks_which_one_was_meant(retriever: Retriever) -> None:
    decision = retriever.decide("证件丢了怎么补")
    assert decision.kind == "clarify", decision
    assert 2 <= len(decision.hits) <= retriever.thresholds.clarify_max_options
    assert [hit.score for hit in decision.hits] == sorted((hit.score for hit in decision.hits), reverse=True)


@pytest.mark.parametrize("nonsense", ["今天晚上吃什么好呢", "asdf qwer zxcv", "？？？", ""])
def test_nonsense_is_unknown(retriever: Retriever, nonsense: str) -> None:
    decision = retriever.decide(nonsense)
    assert decision.kind == "unknown", decision
    assert decision.hits == ()


def test_search_returns_k_entries_best_first(retriever: Retriever) -> None:
    hits = retriever.search("公积金怎么取出来", k=5)
    assert len(hits) == 5
    assert hits[0].id == "housing_fund.withdraw"
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert retriever.entry(hits[0].id).answer == hits[0].answer


def test_the_disk_cache_is_reused_and_follows_the_phrasings(
    tmp_path: Path, encoder: Encoder, encoder_id: str
) -> None:
    content, cache = tmp_path / "content", tmp_path / "cache"
    write_content(content, SMALL_KB)
    first = small_retriever(content, cache, encoder, encoder_id)
    second = small_retriever(content, cache, encoder, encoder_id)
    assert (first.index_info.from_cache, second.index_info.from_cache) == (False, True)
    assert first.index_info.cache_path == second.index_info.cache_path
    assert second.decide("护照在哪里办理").hits[0].id == "passport.apply"

    # An answer is not embedded: editing it keeps the cache.
    write_content(content, SMALL_KB.replace("工本费120元", "工本费120元，约7个工作日"))
    assert small_retriever(content, cache, encoder, encoder_id).index_info.from_cache

    # A new phrasing must be embedded: the index is rebuilt under a new key.
    write_content(content, SMALL_KB.replace("[政务大厅周六开门吗]", "[政务大厅周六开门吗, 大厅中午休息吗]"))
    rebuilt = small_retriever(content, cache, encoder, encoder_id)
    assert not rebuilt.index_info.from_cache
    assert rebuilt.index_info.cache_path != first.index_info.cache_path
    assert rebuilt.index_info.texts == first.index_info.texts + 1


def test_a_different_encoder_never_reuses_the_cache(
    tmp_path: Path, encoder: Encoder, encoder_id: str
) -> None:
    write_content(tmp_path / "content", SMALL_KB)
    small_retriever(tmp_path / "content", tmp_path / "cache", encoder, encoder_id)
    other = small_retriever(tmp_path / "content", tmp_path / "cache", encoder, encoder_id + "-other")
    assert not other.index_info.from_cache


def _benchmark() -> ModuleType:
    path = PACKAGE_DIR.parent / "benchmarks" / "kb_eval.py"
    spec = importlib.util.spec_from_file_location("kb_eval_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_replays_the_decision_rule_exactly() -> None:
    """Calibration replays decisions vectorized; it must agree with `decide_from_scores`."""
    kb_eval = _benchmark()
    rng = np.random.default_rng(3)
    scores = rng.uniform(0.1, 0.9, size=(400, 12)).astype(np.float32)
    expected = rng.integers(-1, 12, size=400)
    for limits in (DecisionThresholds(), DecisionThresholds(0.7, 0.1, 0.4, 0.05, 2)):
        outcome = kb_eval.replay(kb_eval.Ranked.of(scores, expected, limits.clarify_max_options), limits)
        decisions = [decide_from_scores(row, limits) for row in scores]
        answered = [
            (kind, bool(chosen) and chosen[0] == want)
            for (kind, chosen), want in zip(decisions, expected, strict=True)
        ]
        assert outcome.answered_correct == sum(k == "answer" and right for k, right in answered) / 400
        assert outcome.wrong == sum(k == "answer" and not right for k, right in answered) / 400
        assert outcome.clarify == sum(kind == "clarify" for kind, _ in decisions) / 400
        offered = [
            kind == "clarify" and want in chosen
            for (kind, chosen), want in zip(decisions, expected, strict=True)
        ]
        assert outcome.clarify_hit == sum(offered) / 400
