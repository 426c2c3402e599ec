"""The public face of the package: load a model, rank a complaint's categories.

`ComplaintRouter.load()` reads the shipped model (or a city's retrained one); `top()` gives
the best categories with calibrated probabilities, best first. `shared_router()` builds one
router per process on first use and hands the same instance to every caller and thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.settings import load_settings
from complaint_router.categories import Category
from complaint_router.model import Encoder, LinearModel

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_MODEL_PATH = PACKAGE_DIR / "shipped" / "router.npz"
"""The shipped model; `COMPLAINT_ROUTER_MODEL` (common.settings) points `shared_router()` at a
deployer's retrained one instead."""


@dataclass(frozen=True)
class RankedCategory:
    """One candidate category for a complaint; `score` is a calibrated probability."""

    category: str
    name: str
    department: str
    score: float


class ComplaintRouter:
    """Read-only after construction: safe to share between threads."""

    def __init__(self, model: LinearModel, path: Path | None = None) -> None:
        self._model = model
        self.path = path

    @classmethod
    def load(cls, path: Path | str | None = None, encoder: Encoder | None = None) -> ComplaintRouter:
        """The model at `path`, or the shipped default model. `encoder`: a sentence encoder
        the caller already holds (multilingual USE, e.g. the knowledge base's), so the
        process does not load a second copy; by default the router loads one itself."""
        resolved = Path(path) if path is not None else DEFAULT_MODEL_PATH
        return cls(LinearModel.load(resolved, encoder), resolved)

    @property
    def categories(self) -> list[Category]:
        return list(self._model.categories)

    @property
    def metadata(self) -> dict:
        return dict(self._model.metadata)

    def probabilities(self, text: str) -> dict[str, float]:
        """Every category's probability (they sum to 1)."""
        return {
            category.category: float(value)
            for category, value in zip(self._model.categories, self._model.probabilities(text), strict=True)
        }

    def top(self, text: str, k: int = 3) -> list[RankedCategory]:
        """The `k` most likely categories, best first; ties keep the ticket system's order."""
        probabilities = self._model.probabilities(text)
        order = np.argsort(-probabilities, kind="stable")[: max(0, k)]
        return [
            RankedCategory(
                category=self._model.categories[index].category,
                name=self._model.categories[index].name,
                department=self._model.categories[index].department,
                score=float(probabilities[index]),
            )
            for index in order
        ]


_SHARED: ComplaintRouter | None = None
_SHARED_LOCK = threading.Lock()


def shared_router(encoder: Encoder | None = None) -> ComplaintRouter:
    """The process-wide router, loaded once (thread-safe) from `COMPLAINT_ROUTER_MODEL` or
    the shipped model. `encoder` (see `ComplaintRouter.load`) counts on the first call only:
    a process that holds the knowledge base's USE encoder passes it once at start-up."""
    global _SHARED
    if _SHARED is None:
        with _SHARED_LOCK:
            if _SHARED is None:
                _SHARED = ComplaintRouter.load(load_settings().complaint_router_model or None, encoder)
    return _SHARED
