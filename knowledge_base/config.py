"""Every setting of the knowledge base, read from the environment.

The decision thresholds are calibrated from the content itself (knowledge_base/calibration.py):
each entry's alternative phrasings are held out in turn, and the cut-offs are chosen that
keep wrong direct answers under `max_wrong_rate`. The result is cached with the embeddings,
so it is recomputed when the content, the model or a ranking weight changes, not at every
start. A threshold set explicitly in the environment (`KB_ANSWER_SCORE`, ...) overrides
the calibrated value; `KB_CALIBRATE=0` uses the defaults below instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from common.settings import load_settings

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONTENT_DIR = PACKAGE_DIR / "content"
DEFAULT_EVAL_DIR = PACKAGE_DIR / "eval"
DEFAULT_MODEL = "use-multilingual"
DEFAULT_CACHE_DIR = Path("~/.cache/citizen-assistant/kb").expanduser()


THRESHOLD_ENV = {
    "answer_score": "KB_ANSWER_SCORE",
    "answer_margin": "KB_ANSWER_MARGIN",
    "unknown_score": "KB_UNKNOWN_SCORE",
    "clarify_window": "KB_CLARIFY_WINDOW",
}
"""The calibrated thresholds and the variables that pin them."""


@dataclass(frozen=True)
class DecisionThresholds:
    """Cut-offs on the fused score (embedding cosines blended with a lexical score).

    A direct answer needs answer_score and a lead of answer_margin over the runner-up;
    below unknown_score the honest reply is "not found"; in between the citizen picks from
    the closest entries, those within clarify_window of the best (at most
    clarify_max_options).

    The defaults are what the self-calibration chose on the shipped content (177 entries,
    default encoder, max wrong rate 1.5 %); they apply only with calibration off (or failing),
    or for a value the calibration does not set (clarify_max_options). See
    benchmarks/reports/kb_eval.md for what they do on the held-out questions. The margin
    matters more than the score floor: wrong answers are mostly near-ties between sibling
    topics (a lost ID card vs a lost social-security card).
    """

    answer_score: float = 0.32
    answer_margin: float = 0.12
    unknown_score: float = 0.28
    clarify_window: float = 0.10
    clarify_max_options: int = 3


@dataclass(frozen=True)
class CalibrationConfig:
    """How the thresholds are calibrated from the content (see knowledge_base/calibration.py).

    max_wrong_rate: the share of questions that may get a wrong direct answer, as the
    leave-one-out estimates it. 1.5 % because that estimate ran about one point below the
    real rate on the large-FAQ benchmark's dev split (2.3 % wrong at 1.5 %, 3.1 % at 2 %).
    unanswerable_share: the share of questions assumed to have no entry at all (simulated
    by leaving the asked entry out); any direct answer to one is wrong.
    max_missed_rate: the share of answerable questions that may be told "not found"
    (sets unknown_score).
    pinned: threshold names set explicitly (by the environment), kept as configured.
    """

    enabled: bool = True
    max_wrong_rate: float = 0.015
    unanswerable_share: float = 0.10
    max_missed_rate: float = 0.01
    pinned: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RetrieverConfig:
    model: str = DEFAULT_MODEL
    content_dir: Path = DEFAULT_CONTENT_DIR
    cache_dir: Path = DEFAULT_CACHE_DIR
    centroid_weight: float = 0.7
    lexical_weight: float = 0.5
    encoder_threads: int = 1
    thresholds: DecisionThresholds = DecisionThresholds()
    calibration: CalibrationConfig = CalibrationConfig()

    @classmethod
    def from_env(cls) -> RetrieverConfig:
        defaults = cls()
        limits = defaults.thresholds
        return cls(
            model=_env().get("KB_MODEL", defaults.model),
            content_dir=Path(_env().get("KB_CONTENT_DIR", str(defaults.content_dir))),
            cache_dir=Path(_env().get("KB_CACHE_DIR", str(defaults.cache_dir))).expanduser(),
            centroid_weight=_float("KB_CENTROID_WEIGHT", defaults.centroid_weight),
            lexical_weight=_float("KB_LEXICAL_WEIGHT", defaults.lexical_weight),
            encoder_threads=int(_env().get("KB_ENCODER_THREADS", str(defaults.encoder_threads))),
            thresholds=DecisionThresholds(
                answer_score=_float("KB_ANSWER_SCORE", limits.answer_score),
                answer_margin=_float("KB_ANSWER_MARGIN", limits.answer_margin),
                unknown_score=_float("KB_UNKNOWN_SCORE", limits.unknown_score),
                clarify_window=_float("KB_CLARIFY_WINDOW", limits.clarify_window),
                clarify_max_options=int(
                    _env().get("KB_CLARIFY_MAX_OPTIONS", str(limits.clarify_max_options))
                ),
            ),
            calibration=CalibrationConfig(
                enabled=_flag("KB_CALIBRATE", defaults.calibration.enabled),
                max_wrong_rate=_float("KB_MAX_WRONG_RATE", defaults.calibration.max_wrong_rate),
                unanswerable_share=_float("KB_UNANSWERABLE_SHARE", defaults.calibration.unanswerable_share),
                max_missed_rate=_float("KB_MAX_MISSED_RATE", defaults.calibration.max_missed_rate),
                pinned=frozenset(name for name, variable in THRESHOLD_ENV.items() if _env().get(variable)),
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
        return cls(
            preload=_flag("KB_PRELOAD", defaults.preload),
            wait_seconds=_float("KB_LOAD_WAIT_SECONDS", defaults.wait_seconds),
        )


def _float(name: str, default: float) -> float:
    return float(_env().get(name, str(default)))


def _flag(name: str, default: bool) -> bool:
    value = _env().get(name)
    return default if value is None else value.strip().lower() not in {"0", "false", "no", "off"}


def _env() -> dict[str, str]:
    """The KB_* variables, as `common.settings` read them (the one reader of the environment)."""
    return dict(load_settings().knowledge_base.values)
