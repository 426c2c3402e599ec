"""Derive the large-FAQ benchmark (benchmarks/faq_scale.py) from public paraphrase corpora.

    python benchmarks/data/faq_scale/build.py /path/to/CSTS/checkout-or-git-dir

Input: the zejunwang1/CSTS repository (a git directory or a work tree), which redistributes
LCQMC (dev, test) and OPPO xiaobu (dev) as `sentence1 \\t sentence2 \\t label` files. Output,
beside this script: faq.jsonl (one FAQ entry a line: id, source, phrasings) and
queries.jsonl (held-out paraphrases: text, expected entry id or null, source, split).

How: questions joined by a positive pair are one entry (union-find over the pairs, so a
question in several pairs joins them); a query entry gives up one phrasing as the held-out
query and keeps the rest indexed. The entries that a query's question was paired with as a
*negative* (lexically close, different intent) are always indexed too: they are the sibling
topics a real FAQ is full of. Unanswerable queries come from entries left out of the index.
Deterministic (seeded), so the same input gives the same files. See README.md for licences.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent.parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from knowledge_base.text import normalize  # noqa: E402

# source name -> files in the CSTS repository; each source is built on its own, then merged.
SOURCES = {
    "lcqmc": ("LCQMC/dev.txt", "LCQMC/test.txt"),
    "oppo": ("OPPO-xiaobu/dev.txt",),
}
ENTRIES_PER_SOURCE = 3000
QUERIES_PER_SOURCE = 500
UNANSWERABLE_PER_SOURCE = 60
SEED = 20261201

Pair = tuple[str, str, bool]


def read_pairs(repo: Path, path: str) -> list[Pair]:
    if (repo / path).is_file():
        text = (repo / path).read_text(encoding="utf-8")
    else:  # a bare git directory, as the fetch tool leaves it
        text = subprocess.run(
            ["git", f"--git-dir={repo}", "show", f"HEAD:{path}"], capture_output=True, check=True
        ).stdout.decode("utf-8")
    pairs: list[Pair] = []
    for line in text.splitlines():
        fields = [field.strip() for field in line.split("\t") if field.strip()]
        if len(fields) == 3 and fields[2] in {"0", "1"}:
            first, second = normalize(fields[0]), normalize(fields[1])
            if first and second and first != second:
                pairs.append((first, second, fields[2] == "1"))
    return pairs


def clusters(pairs: Iterable[Pair]) -> tuple[list[list[str]], dict[str, int]]:
    parent: dict[str, str] = {}

    def find(text: str) -> str:
        parent.setdefault(text, text)
        while parent[text] != text:
            parent[text] = parent[parent[text]]
            text = parent[text]
        return text

    for first, second, same in pairs:
        find(first), find(second)
        if same:
            parent[find(first)] = find(second)
    groups: dict[str, list[str]] = defaultdict(list)
    for text in sorted(parent):
        groups[find(text)].append(text)
    members = [sorted(group) for _, group in sorted(groups.items())]
    return members, {text: index for index, group in enumerate(members) for text in group}


def build_source(name: str, pairs: list[Pair], rng: random.Random) -> tuple[list[dict], list[dict]]:
    groups, group_of = clusters(pairs)
    siblings: dict[int, set[int]] = defaultdict(set)
    for first, second, same in pairs:
        a, b = group_of[first], group_of[second]
        if not same and a != b:
            siblings[a].add(b), siblings[b].add(a)
    multi = [index for index, group in enumerate(groups) if len(group) >= 2]
    rng.shuffle(multi)
    asked = multi[:QUERIES_PER_SOURCE]
    chosen = list(asked)
    seen = set(chosen)
    for group in asked:
        for sibling in sorted(siblings[group]):
            if sibling not in seen and len(chosen) < ENTRIES_PER_SOURCE:
                seen.add(sibling), chosen.append(sibling)
    rest = [index for index in range(len(groups)) if index not in seen]
    rng.shuffle(rest)
    unanswerable = [index for index in rest if len(groups[index]) >= 2][:UNANSWERABLE_PER_SOURCE]
    rest = [index for index in rest if index not in set(unanswerable)]
    chosen += rest[: ENTRIES_PER_SOURCE - len(chosen)]
    entries, queries = [], []
    asked_set = set(asked)
    for number, group in enumerate(chosen):
        phrasings = list(groups[group])
        rng.shuffle(phrasings)
        entry_id = f"{name}.{number:05d}"
        if group in asked_set:
            queries.append({"text": phrasings.pop(0), "expected": entry_id, "source": name})
        entries.append({"id": entry_id, "source": name, "phrasings": phrasings})
    for group in unanswerable:
        queries.append({"text": rng.choice(groups[group]), "expected": None, "source": name})
    return entries, queries


def split_of(text: str) -> str:
    """Half the queries choose settings (dev), the other half only report (test)."""
    return "dev" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csts", type=Path, help="the zejunwang1/CSTS checkout or git directory")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    rng = random.Random(SEED)
    entries: list[dict] = []
    queries: list[dict] = []
    for name, files in SOURCES.items():
        pairs = [pair for path in files for pair in read_pairs(args.csts, path)]
        source_entries, source_queries = build_source(name, pairs, rng)
        entries += source_entries
        queries += source_queries
    # A phrasing in two entries (the sources overlap a little) would make the answer ambiguous.
    owner: dict[str, str] = {}
    for entry in entries:
        entry["phrasings"] = [
            p for p in entry["phrasings"] if owner.setdefault(p, entry["id"]) == entry["id"]
        ]
    entries = [entry for entry in entries if entry["phrasings"]]
    kept = {entry["id"] for entry in entries}
    queries = [
        {**query, "split": split_of(query["text"])}
        for query in queries
        if query["text"] not in owner and (query["expected"] is None or query["expected"] in kept)
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    for filename, rows in (("faq.jsonl", entries), ("queries.jsonl", queries)):
        with (args.out / filename).open("w", encoding="utf-8") as stream:
            stream.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    print(
        f"{len(entries)} entries, {sum(len(e['phrasings']) for e in entries)} phrasings, {len(queries)} queries"
    )


if __name__ == "__main__":
    main()
