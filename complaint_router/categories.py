"""The city's complaint categories (id, Chinese name, department) as the router ships them.

The router's own copy in data/categories.yml, so that routing never reads sandbox files; a
city that retrains on its own export may bring its own names and departments, which are then
stored in the model file itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
CATEGORIES_PATH = DATA_DIR / "categories.yml"


@dataclass(frozen=True)
class Category:
    """One ticket category: `category` is the ticket system's id."""

    category: str
    name: str
    department: str
    convention: str = ""


def load_categories(path: Path = CATEGORIES_PATH) -> list[Category]:
    """The categories in the file's order (the ticket system's order)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    categories = [
        Category(
            category=str(item["category"]),
            name=str(item["name"]),
            department=str(item["department"]),
            convention=" ".join(str(item.get("convention", "")).split()),
        )
        for item in document.get("categories", [])
    ]
    ids = [category.category for category in categories]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate category ids")
    return categories
