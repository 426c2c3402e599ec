"""Held-out questions: citizen phrasings never indexed, used to measure and calibrate the retriever."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge_base.config import DEFAULT_EVAL_DIR


@dataclass(frozen=True)
class HeldoutQuestion:
    text: str
    expected: str | None
    """The entry id that answers it, or None when the knowledge base has no answer."""
    source: str


def load_heldout(path: Path) -> list[HeldoutQuestion]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(questions, list):
        raise ValueError(f"{path}: expected a mapping with a 'questions' list")
    loaded: list[HeldoutQuestion] = []
    for position, item in enumerate(questions, start=1):
        text = item.get("text") if isinstance(item, dict) else None
        expected = item.get("expected") if isinstance(item, dict) else None
        if (
            not isinstance(text, str)
            or not text.strip()
            or not (expected is None or isinstance(expected, str))
        ):
            raise ValueError(
                f"{path}: question #{position} needs 'text' (string) and 'expected' (id or null)"
            )
        loaded.append(HeldoutQuestion(text=text.strip(), expected=expected, source=path.stem))
    return loaded


def heldout_files(eval_dir: Path = DEFAULT_EVAL_DIR) -> list[Path]:
    return sorted(eval_dir.glob("heldout_*.yml"))
