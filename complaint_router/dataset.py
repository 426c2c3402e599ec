"""Training examples: the shipped YAML files and a city's own CSV or JSON export.

A deployer's export is checked up front and every problem is reported in English with the
row it is on, because a bad file found half-way through training wastes their time.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from complaint_router.categories import CATEGORIES_PATH, DATA_DIR, Category, load_categories

TRAIN_DIR = DATA_DIR / "train"
MIN_EXAMPLES_PER_CATEGORY = 2
MAX_REPORTED_PROBLEMS = 10


class DataError(ValueError):
    """A training file the router cannot learn from; the message says what to fix."""


@dataclass(frozen=True)
class Example:
    text: str
    category: str


@dataclass(frozen=True)
class Dataset:
    examples: list[Example]
    categories: list[Category]
    fingerprint: str
    """sha256 over the exact bytes of the files the dataset was read from."""

    @property
    def texts(self) -> list[str]:
        return [example.text for example in self.examples]

    @property
    def labels(self) -> list[str]:
        return [example.category for example in self.examples]


def _fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


AUGMENT_SOURCE = Path(__file__).resolve().parent / "augment.py"


def shipped_files(train_dir: Path = TRAIN_DIR, categories_path: Path = CATEGORIES_PATH) -> list[Path]:
    """Every file the shipped model is trained from, in a fixed order. augment.py counts as
    data: its framing phrases end up in the composed training messages."""
    return [categories_path, *sorted(train_dir.glob("*.yml")), AUGMENT_SOURCE]


def load_shipped(train_dir: Path = TRAIN_DIR, categories_path: Path = CATEGORIES_PATH) -> Dataset:
    """The shipped training data: one YAML file per category (`category`, `messages`)."""
    categories = load_categories(categories_path)
    known = {category.category for category in categories}
    examples = []
    for path in sorted(train_dir.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        category = document.get("category")
        if category not in known:
            raise DataError(f"{path}: unknown category {category!r}")
        examples += [Example(str(text).strip(), category) for text in document.get("messages", [])]
    return Dataset(examples, categories, _fingerprint(shipped_files(train_dir, categories_path)))


def load_export(path: Path) -> Dataset:
    """A city's export: CSV with a header `text,category[,name,department]`, or a JSON list of
    objects with those keys. Categories missing a name or department get them from the
    shipped category list when it knows the id, else the id stands in for the name."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _read_csv(path)
    elif suffix == ".json":
        rows = _read_json(path)
    else:
        raise DataError(f"{path}: expected a .csv or .json file, got {suffix or 'no extension'!r}")
    return _build(path, rows)


def _read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text ({error}); save the export as UTF-8 CSV") from error
    reader = csv.DictReader(text.splitlines())
    fields = [field.strip().lower() for field in reader.fieldnames or []]
    missing = {"text", "category"} - set(fields)
    if missing:
        raise DataError(
            f"{path}: the header must have columns text,category[,name,department]; "
            f"missing {', '.join(sorted(missing))} (found: {', '.join(fields) or 'no header'})"
        )
    reader.fieldnames = fields
    return [
        (number, {key: (value or "").strip() for key, value in row.items() if key})
        for number, row in enumerate(reader, start=2)
    ]


def _read_json(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{path}: not valid UTF-8 JSON ({error})") from error
    if not isinstance(document, list):
        raise DataError(f"{path}: expected a JSON list of objects with keys text and category")
    rows = []
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            raise DataError(f"{path}: item {number} is not an object with keys text and category")
        rows.append((number, {str(key).lower(): str(value or "").strip() for key, value in item.items()}))
    return rows


def _build(path: Path, rows: list[tuple[int, dict[str, str]]]) -> Dataset:
    unit = "line" if path.suffix.lower() == ".csv" else "item"
    problems: list[str] = []
    examples = []
    names: dict[str, tuple[str, str]] = {}
    for number, row in rows:
        text, category = row.get("text", ""), row.get("category", "")
        if not text or not category:
            problems.append(f"{unit} {number}: empty {'text' if not text else 'category'}")
            continue
        examples.append(Example(text, category))
        name, department = row.get("name", ""), row.get("department", "")
        if name or department:
            previous = names.setdefault(category, (name, department))
            if previous != (name, department):
                problems.append(
                    f"{unit} {number}: category {category!r} has name/department {name!r}/{department!r}, "
                    f"earlier {previous[0]!r}/{previous[1]!r}"
                )
    counts = Counter(example.category for example in examples)
    if not examples:
        problems.append("no usable rows")
    elif len(counts) < 2:
        problems.append(f"only one category ({next(iter(counts))!r}); the router needs at least two")
    for category, count in sorted(counts.items()):
        if count < MIN_EXAMPLES_PER_CATEGORY:
            problems.append(
                f"category {category!r} has {count} example(s); at least {MIN_EXAMPLES_PER_CATEGORY} needed"
            )
    if problems:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        more = len(problems) - len(shown)
        raise DataError(f"{path}: " + "; ".join(shown) + (f"; and {more} more problem(s)" if more else ""))
    shipped = {category.category: category for category in load_categories()}
    categories = []
    for category in sorted(counts, key=lambda key: list(counts).index(key)):
        name, department = names.get(category, ("", ""))
        known = shipped.get(category)
        categories.append(
            Category(
                category=category,
                name=name or (known.name if known else category),
                department=department or (known.department if known else ""),
            )
        )
    return Dataset(examples, categories, _fingerprint([path]))
