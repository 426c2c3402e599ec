"""Settings of the guide and FAQ actions, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class GuidesConfig:
    """kb_wait_seconds: how long one reply waits for a knowledge base still loading; it must
    stay below the gateway's RASA_TIMEOUT_SECONDS, or the citizen gets "busy" instead of the
    polite "not available now". out_of_scope_min_score: Rasa already judged an out_of_scope
    message off-topic, so the retriever must score at least this to offer choices instead of
    the out-of-scope answer (weather questions scored up to 0.36 in testing, real questions
    far above)."""

    kb_wait_seconds: float = 5.0
    out_of_scope_min_score: float = 0.45

    @classmethod
    def from_env(cls) -> GuidesConfig:
        defaults = cls()
        return cls(
            kb_wait_seconds=float(os.environ.get("GUIDES_KB_WAIT_SECONDS", str(defaults.kb_wait_seconds))),
            out_of_scope_min_score=float(
                os.environ.get("GUIDES_OUT_OF_SCOPE_MIN_SCORE", str(defaults.out_of_scope_min_score))
            ),
        )
