"""Self-calibrated thresholds: within the wrong-answer budget, cached, redone on content change."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.calibration import calibrate, leave_one_out_scores
from knowledge_base.catalog import load_catalog
from knowledge_base.config import CalibrationConfig, DecisionThresholds, RetrieverConfig
from knowledge_base.encoders import Encoder
from knowledge_base.retriever import Retriever, decide_from_scores
from tests.knowledge_base.conftest import write_content

# Siblings on purpose (two lost-card topics, two bills): the wrong answers a budget must catch.
TOPICS = {
    "id_card.lost": ["身份证丢了怎么补办", "身份证掉了咋办", "补办身份证要带什么", "身份证遗失补领"],
    "social_card.lost": ["社保卡丢了怎么补", "社保卡掉了怎么办", "补办社保卡去哪里", "社保卡遗失挂失"],
    "water.pay": ["水费怎么交", "自来水费在哪缴", "网上交水费", "水费缴纳方式"],
    "power.pay": ["电费怎么交", "电费在哪里缴", "网上交电费", "电费缴纳渠道"],
    "passport.apply": ["怎么办护照", "护照去哪办", "第一次办护照要带什么", "出国护照申请"],
    "hall.hours": ["政务服务中心几点上班", "政务大厅周六开门吗", "大厅中午休息吗", "政务中心工作时间"],
    "marriage.register": ["结婚登记要带什么", "领结婚证去哪里", "结婚证怎么办", "婚姻登记需要的材料"],
    "fund.withdraw": ["怎么提取公积金", "公积金怎么取出来", "租房提取公积金", "公积金提现流程"],
}


def topics_yaml(topics: dict[str, list[str]]) -> str:
    lines = ["theme: 测试", "entries:"]
    for entry_id, (question, *alternatives) in topics.items():
        lines += [
            f"  - id: {entry_id}",
            "    kind: faq",
            f"    question: {question}",
            f"    alternatives: [{', '.join(alternatives)}]",
            f"    answer: {question}的答案。",
        ]
    return "\n".join(lines) + "\n"


def build(content: Path, cache: Path, encoder: Encoder, encoder_id: str, **calibration: object) -> Retriever:
    return Retriever(
        load_catalog(content),
        encoder,
        encoder_id,
        cache_dir=cache,
        calibration=CalibrationConfig(**calibration),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("budget", [0.0, 0.05, 0.15])
def test_the_chosen_thresholds_keep_wrong_answers_within_the_budget(
    tmp_path: Path, encoder: Encoder, encoder_id: str, budget: float
) -> None:
    write_content(tmp_path / "content", topics_yaml(TOPICS))
    retriever = build(tmp_path / "content", tmp_path / "cache", encoder, encoder_id, max_wrong_rate=budget)
    calibration = retriever.index_info.calibration
    assert calibration is not None and calibration.questions == sum(map(len, TOPICS.values()))
    assert calibration.answered_wrong <= budget + 1e-9
    # Replay the real decision rule over the same leave-one-out questions.
    (scores, expected), removed = leave_one_out_scores(retriever)
    limits = retriever.thresholds
    wrong = sum(
        kind == "answer" and chosen[0] != want
        for (kind, chosen), want in (
            (decide_from_scores(row, limits), want) for row, want in zip(scores, expected, strict=True)
        )
    )
    answered_unanswerable = sum(decide_from_scores(row, limits)[0] == "answer" for row in removed)
    share = CalibrationConfig().unanswerable_share
    assert (1 - share) * wrong / len(expected) + share * answered_unanswerable / len(removed) <= budget + 1e-9


def test_a_tighter_budget_never_answers_more(tmp_path: Path, encoder: Encoder, encoder_id: str) -> None:
    write_content(tmp_path / "content", topics_yaml(TOPICS))
    retriever = build(tmp_path / "content", None, encoder, encoder_id)  # type: ignore[arg-type]
    answerable, unanswerable = leave_one_out_scores(retriever)
    loose = calibrate(answerable, unanswerable, CalibrationConfig(max_wrong_rate=0.2), DecisionThresholds())
    strict = calibrate(answerable, unanswerable, CalibrationConfig(max_wrong_rate=0.0), DecisionThresholds())
    assert strict.answered_wrong == 0.0
    assert strict.answered_right <= loose.answered_right


def test_calibration_is_cached_and_redone_when_the_content_changes(
    tmp_path: Path, encoder: Encoder, encoder_id: str
) -> None:
    content, cache = tmp_path / "content", tmp_path / "cache"
    write_content(content, topics_yaml(TOPICS))
    first = build(content, cache, encoder, encoder_id).index_info.calibration
    second = build(content, cache, encoder, encoder_id).index_info.calibration
    assert first is not None and second is not None
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.thresholds == first.thresholds
    assert len(list(cache.glob("calibration-*.json"))) == 1

    # An answer is neither embedded nor matched: the calibration still applies.
    write_content(content, topics_yaml(TOPICS).replace("怎么办护照的答案", "护照的新答案"))
    assert build(content, cache, encoder, encoder_id).index_info.calibration.from_cache  # type: ignore[union-attr]

    # A new phrasing changes the scores: calibrated again, under a new key.
    changed = {**TOPICS, "water.pay": [*TOPICS["water.pay"], "自来水欠费了怎么缴"]}
    write_content(content, topics_yaml(changed))
    again = build(content, cache, encoder, encoder_id).index_info.calibration
    assert again is not None and not again.from_cache
    assert again.questions == first.questions + 1
    assert len(list(cache.glob("calibration-*.json"))) == 2

    # So does another wrong-answer budget.
    assert not build(
        content, cache, encoder, encoder_id, max_wrong_rate=0.3
    ).index_info.calibration.from_cache  # type: ignore[union-attr]


def test_explicit_environment_values_override_the_calibration(
    tmp_path: Path, encoder: Encoder, encoder_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_content(tmp_path / "content", topics_yaml(TOPICS))
    monkeypatch.setenv("KB_ANSWER_SCORE", "0.77")
    monkeypatch.setenv("KB_MAX_WRONG_RATE", "0.05")
    config = RetrieverConfig.from_env()
    assert config.calibration.pinned == frozenset({"answer_score"})
    assert config.calibration.max_wrong_rate == 0.05
    config = replace(config, content_dir=tmp_path / "content", cache_dir=tmp_path / "cache")
    retriever = Retriever(
        load_catalog(config.content_dir),
        encoder,
        encoder_id,
        cache_dir=config.cache_dir,
        thresholds=config.thresholds,
        calibration=config.calibration,
    )
    calibration = retriever.index_info.calibration
    assert calibration is not None
    assert retriever.thresholds.answer_score == 0.77
    assert retriever.thresholds.answer_margin == calibration.thresholds.answer_margin

    monkeypatch.setenv("KB_CALIBRATE", "0")
    assert not RetrieverConfig.from_env().calibration.enabled


def test_calibration_off_keeps_the_configured_thresholds(
    tmp_path: Path, encoder: Encoder, encoder_id: str
) -> None:
    write_content(tmp_path / "content", topics_yaml(TOPICS))
    limits = DecisionThresholds(0.9, 0.2, 0.5, 0.1, 2)
    retriever = Retriever(
        load_catalog(tmp_path / "content"),
        encoder,
        encoder_id,
        cache_dir=tmp_path / "cache",
        thresholds=limits,
        calibration=CalibrationConfig(enabled=False),
    )
    assert retriever.thresholds == limits and retriever.index_info.calibration is None
    assert np.isfinite(retriever.entry_scores("护照").fused).all()
