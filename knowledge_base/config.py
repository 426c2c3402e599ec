"""Every setting of the knowledge base, read from the environment.

The decision thresholds are calibrated for the default encoder with `python -m
knowledge_base eval` (its "Threshold calibration" table): a deployer who points `KB_MODEL`
at another model reruns it and sets the printed values, because similarity scales differ
between models.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONTENT_DIR = PACKAGE_DIR / "content"
DEFAULT_EVAL_DIR = PACKAGE_DIR / "eval"
DEFAULT_MODEL = "use-multilingual"
DEFAULT_CACHE_DIR = Path("~/.cache/citizen-assistant/kb").expanduser()


@dataclass(frozen=True)
class DecisionThresholds:
    """Cut-offs on the fused score (embedding cosines blended with a lexical cosine).

    A direct answer needs answer_score and a lead of answer_margin over the runner-up;
    below unknown_score the honest reply is "not found"; in between the citizen picks from
    the closest entries, those within clarify_window of the best (at most
    clarify_max_options).

    Calibrated with `python -m knowledge_base eval` on the 384 held-out questions of
    eval/heldout_a.yml and heldout_b.yml (never indexed; 34 have no answer in the KB), 177
    entries, default encoder. These defaults gave, on both sets alike: 63 % answered right,
    1.0 % answered wrong (a: 1.0 %, b: 1.1 %), 29 % clarified with the right entry offered in
    88 % of those, 76 % of the out-of-scope questions "not found" and only 0.6 % of the
    answerable ones. The margin matters more than the score floor: wrong answers were
    near-ties between sibling topics (a lost ID card vs a lost social-security card);
    lowering answer_margin to 0.05 answered 3 % more but doubled the wrong answers on set b,
    and unknown_score 0.34 let a third of the out-of-scope questions through to a
    clarification. The old guesses (0.62/0.06/0.38/0.12) answered only 26 % directly.
    """

    answer_score: float = 0.45
    answer_margin: float = 0.06
    unknown_score: float = 0.36
    clarify_window: float = 0.10
    clarify_max_options: int = 3


@dataclass(frozen=True)
class RetrieverConfig:
    model: str = DEFAULT_MODEL
    content_dir: Path = DEFAULT_CONTENT_DIR
    cache_dir: Path = DEFAULT_CACHE_DIR
    centroid_weight: float = 0.5
    lexical_weight: float = 0.3
    encoder_threads: int = 1
    thresholds: DecisionThresholds = DecisionThresholds()

    @classmethod
    def from_env(cls) -> RetrieverConfig:
        defaults = cls()
        limits = defaults.thresholds
        return cls(
            model=os.environ.get("KB_MODEL", defaults.model),
            content_dir=Path(os.environ.get("KB_CONTENT_DIR", str(defaults.content_dir))),
            cache_dir=Path(os.environ.get("KB_CACHE_DIR", str(defaults.cache_dir))).expanduser(),
            centroid_weight=_float("KB_CENTROID_WEIGHT", defaults.centroid_weight),
            lexical_weight=_float("KB_LEXICAL_WEIGHT", defaults.lexical_weight),
            encoder_threads=int(os.environ.get("KB_ENCODER_THREADS", str(defaults.encoder_threads))),
            thresholds=DecisionThresholds(
                answer_score=_float("KB_ANSWER_SCORE", limits.answer_score),
                answer_margin=_float("KB_ANSWER_MARGIN", limits.answer_margin),
                unknown_score=_float("KB_UNKNOWN_SCORE", limits.unknown_score),
                clarify_window=_float("KB_CLARIFY_WINDOW", limits.clarify_window),
                clarify_max_options=int(
                    os.environ.get("KB_CLARIFY_MAX_OPTIONS", str(limits.clarify_max_options))
                ),
            ),
        )


@dataclass(frozen=True)
class ServiceConfig:
    """How a server process holds the retriever (see `knowledge_base.loader`).

    preload: build it in a background thread at startup, so the first search does not wait
    for the encoder; off, the first search starts the build. wait_seconds: how long one
    request waits for a build in progress before it gets a polite "try again later".
    """

    preload: bool = True
    wait_seconds: float = 30.0

    @classmethod
    def from_env(cls) -> ServiceConfig:
        defaults = cls()
        preload = os.environ.get("KB_PRELOAD", "1").strip().lower() not in {"0", "false", "no", "off"}
        return cls(preload=preload, wait_seconds=_float("KB_LOAD_WAIT_SECONDS", defaults.wait_seconds))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, str(default)))
