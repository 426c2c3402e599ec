"""Questions the assistant could not answer, or answered badly, grouped by meaning for the
knowledge-base authors.

Collected from the stored conversations: messages whose reply admitted it could not help
(`custom.fallback`: not understood, unknown to the knowledge base, out of scope) and
clarifications whose choices the citizen passed over; and from the agents' console: the
callers' questions whose suggestion an agent marked wrong (`assistant_agent_feedback`).

Grouped by scikit-learn's AgglomerativeClustering (average linkage) on the cosine distance of
the retriever's own embeddings (`hotspots.encoder.embed`: the process's shared encoder,
cached by text), cut at `threshold`. Each group's nearest knowledge-base entry is the entry
with the best mean retriever score over its questions: at `phrasing_score` or above the group
is offered as new phrasings of that entry, below it as a new entry. Both values were chosen on
analytics/eval/dev.yml (`python -m analytics tune`) and are reported on eval.yml.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from analytics.conversations import Conversations, next_turn
from analytics.records import BadAnswer
from common.masking import mask_text
from hotspots.clustering import cut_tree
from hotspots.encoder import embed
from knowledge_base.retriever import Retriever

NOT_UNDERSTOOD, UNKNOWN, OUT_OF_SCOPE = "not_understood", "unknown", "out_of_scope"
CLARIFY_DECLINED, MARKED_WRONG = "clarify_declined", "agent_marked_wrong"
ADD_PHRASINGS, NEW_ENTRY = "add_phrasings", "new_entry"
MAX_EXAMPLES = 5
MAX_QUESTIONS = 2000
"""The most recent questions grouped at most: the distance matrix grows with the square."""


@dataclass(frozen=True)
class UnansweredParams:
    """Measured on analytics/eval/dev.yml (python -m analytics tune); see README."""

    threshold: float = 0.50
    phrasing_score: float = 0.53


@dataclass(frozen=True)
class Question:
    text: str
    """Masked: identifiers a citizen typed never reach the page or an export."""
    reason: str
    channel: str
    at: datetime
    suggestion_id: str = ""
    """For an agent's verdict: the entry the console suggested and the agent marked wrong."""


def collect(conversations: Conversations, bad_answers: list[BadAnswer]) -> list[Question]:
    questions: list[Question] = []
    turns = conversations.turns
    for index, turn in enumerate(turns):
        if not turn.text or turn.text.startswith("/"):
            continue  # a button's payload: the question was the message before it
        reason = turn.fallback
        offered = turn.clarification
        if reason is None and offered:
            answer = next_turn(turns, index)
            if answer is not None and answer.text not in offered:
                reason = CLARIFY_DECLINED
        if reason is not None:
            questions.append(Question(mask_text(turn.text), reason, turn.channel, turn.at))
    for bad in bad_answers:
        questions.append(Question(mask_text(bad.text), MARKED_WRONG, "agent", bad.at, bad.suggestion_id))
    return sorted(questions, key=lambda question: question.at, reverse=True)


def group(embeddings: np.ndarray, threshold: float) -> list[list[int]]:
    """Groups of row indices, largest first (singletons included)."""
    distances = np.maximum(1.0 - np.clip(embeddings @ embeddings.T, -1.0, 1.0), 0.0)
    np.fill_diagonal(distances, 0.0)
    return sorted(cut_tree(distances, threshold), key=lambda members: (-len(members), members[0]))


@dataclass(frozen=True)
class Nearest:
    entry_id: str
    question: str
    score: float


def nearest_entry(retriever: Retriever, texts: list[str]) -> Nearest:
    """The entry with the best mean retriever score over the texts (one question's luck
    does not decide for the group)."""
    mean = np.mean([retriever.entry_scores(text).fused for text in texts], axis=0)
    best = int(np.argmax(mean))
    entry = retriever.catalog.entries[best]
    return Nearest(entry.id, entry.question, round(float(mean[best]), 4))


@dataclass(frozen=True)
class Cluster:
    questions: list[Question]
    examples: list[str]
    nearest: Nearest
    suggestion: str

    def as_json(self, number: int) -> dict[str, Any]:
        reasons = Counter(question.reason for question in self.questions)
        return {
            "id": number,
            "count": len(self.questions),
            "examples": self.examples,
            "reasons": dict(reasons.most_common()),
            "channels": dict(Counter(question.channel for question in self.questions).most_common()),
            "last_at": max(question.at for question in self.questions).isoformat(),
            "suggestion": self.suggestion,
            "entry_id": self.nearest.entry_id,
            "entry_question": self.nearest.question,
            "entry_score": self.nearest.score,
            "marked_wrong": [
                {"text": q.text, "suggestion_id": q.suggestion_id, "at": q.at.isoformat()}
                for q in self.questions
                if q.reason == MARKED_WRONG
            ],
        }


def clusters(questions: list[Question], retriever: Retriever, params: UnansweredParams) -> list[Cluster]:
    """The questions grouped, biggest group first, each with what to do about it (blocking);
    `questions` newest first, as `collect` gives them, so the newest are kept past the cap."""
    questions = questions[:MAX_QUESTIONS]
    if not questions:
        return []
    texts = [question.text for question in questions]
    found: list[Cluster] = []
    for members in group(embed(texts), params.threshold):
        member_texts = [texts[index] for index in members]
        distinct = list(dict.fromkeys(member_texts))
        nearest = nearest_entry(retriever, distinct)
        # Most asked wording first: what the authors would add as a phrasing.
        examples = [text for text, _ in Counter(member_texts).most_common(MAX_EXAMPLES)]
        suggestion = ADD_PHRASINGS if nearest.score >= params.phrasing_score else NEW_ENTRY
        found.append(Cluster([questions[index] for index in members], examples, nearest, suggestion))
    return found
