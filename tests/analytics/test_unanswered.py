"""Unanswered questions: what is collected (masked), how well they are grouped and advised on
the held-out set (printed), and the advice for a group."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from actions.guides.replies import CLARIFY_TEXT, guide_payload
from analytics.evaluation import DEV_SET, EVAL_SET, evaluate, load_set
from analytics.period import Period
from analytics.service import unanswered
from analytics.unanswered import UnansweredParams
from bot.agent_feedback import FeedbackStore
from common.settings import Settings
from common.time_words import city_today
from knowledge_base.retriever import Retriever, get_retriever
from tests.analytics.conftest import Tracker


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    return get_retriever()


def this_week() -> Period:
    return Period.choose(city_today() - timedelta(days=6), None)


@pytest.mark.parametrize(("path", "floor"), [(DEV_SET, 0.9), (EVAL_SET, 0.85)])
def test_grouping_and_advice_measured(path: Path, floor: float, retriever: Retriever) -> None:
    labelled = load_set(path)
    report = evaluate(labelled, retriever, UnansweredParams())
    print(
        f"{path}: purity {report.clustering.purity:.3f}, completeness {report.clustering.completeness:.3f}, "
        f"advice right {report.advised_right}/{report.advised}"
    )
    assert report.clustering.purity >= floor and report.clustering.completeness >= floor
    assert report.advice_accuracy >= 0.8


def test_questions_grouped_with_advice_and_masked(
    settings: Settings, tracker: Tracker, retriever: Retriever
) -> None:
    asked = (
        "养狗要办证吗",
        "狗证在哪里办 我电话13912345678",
        "犬只登记怎么弄",
        "身份证掉了咋办",
        "身份证弄丢了去哪补",
    )
    for number, question in enumerate(asked):
        sender = f"web:u{number}"
        tracker.session(sender)
        tracker.user(sender, question)
        tracker.bot(sender, "这个问题我还不会回答", custom={"fallback": "unknown"})
    tracker.session("web:declined")
    tracker.user("web:declined", "我的身份证不见了怎么重新办")
    tracker.bot(
        "web:declined",
        CLARIFY_TEXT,
        buttons=[guide_payload("id_card.replace_lost"), guide_payload("passport.apply")],
    )
    tracker.user("web:declined", "都不是")
    tracker.session("web:took")
    tracker.user("web:took", "证件丢了")
    tracker.bot(
        "web:took",
        CLARIFY_TEXT,
        buttons=[guide_payload("passport.apply"), guide_payload("id_card.replace_lost")],
    )
    tracker.user("web:took", guide_payload("passport.apply"))
    asyncio.run(
        FeedbackStore(settings.assistant_database_url).add(
            "li", "养犬许可证要什么材料", "marriage.register", False
        )
    )

    found = unanswered(settings, this_week(), retriever)

    by_entry = {cluster.nearest.entry_id: cluster for cluster in found.clusters}
    id_card = by_entry["id_card.replace_lost"]
    assert id_card.suggestion == "add_phrasings" and len(id_card.questions) == 3
    assert {q.reason for q in id_card.questions} == {"unknown", "clarify_declined"}
    dogs = next(cluster for cluster in found.clusters if any("狗" in text for text in cluster.examples))
    assert dogs.suggestion == "new_entry" and len(dogs.questions) == 4
    body = dogs.as_json(1)
    assert body["reasons"] == {"unknown": 3, "agent_marked_wrong": 1}
    assert body["marked_wrong"][0]["suggestion_id"] == "marriage.register"
    assert "139****5678" in " ".join(body["examples"]) and "13912345678" not in str(body)
    assert not any("证件丢了" in text for cluster in found.clusters for text in cluster.examples)
