"""Derive the real-message routing set (benchmarks/understanding.py, section
complaint_routing_real) from a public scrape of 人民网「领导留言板」.

    python benchmarks/data/real_complaints/build.py /path/to/liuyanzhejiang/git-dir-or-checkout

Input: the alfonsocheng1025/liuyanzhejiang repository, a dashboard of the Zhejiang boards that
commits the latest scraped messages (`recent`, `pending` in data.json, each with the 领域 the
writer chose on the board). Every commit of every branch is read, since each holds another
window of messages. Output, beside this script: messages.jsonl (tid, text, domain, category).
Only the 领域 that map onto one of the seven first-level categories are kept (DOMAINS); the
text is the title and the list-page excerpt the board shows (about 100 characters).
Deterministic, so the same input gives the same file. See README.md for the licence.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "messages.jsonl"
POOLS = ("recent", "pending")
TRUNCATION_MARK = "..."

DOMAINS = {
    "城建": "urban_construction",
    "环保": "environment",
    "交通": "transport",
    "教育": "education",
    "文娱": "education",
    "就业": "labor_social_security",
    "旅游": "commerce_tourism",
    "医疗": "health",
}
"""人民网 领域 -> router category. Dropped, having no single counterpart among the seven:
治安, 企业, 政务, 三农, 金融, 其他, 征集."""


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True).stdout


def message_text(record: dict) -> str:
    """Title and excerpt as one message, the way a citizen's letter reads: heading first."""
    excerpt = (record.get("content") or "").removesuffix(TRUNCATION_MARK).strip()
    title = (record.get("title") or "").strip()
    return f"{title}。{excerpt}" if excerpt else title


def collect(repo: Path) -> list[dict]:
    """One row per distinct message (by tid), the longest excerpt any commit kept."""
    commits = _git(repo, "log", "--all", "--format=%H", "--", "data.json").decode().split()
    rows: dict[int, dict] = {}
    for commit in commits:
        store = json.loads(_git(repo, "show", f"{commit}:data.json"))
        for pool in POOLS:
            for record in store.get(pool, []):
                category = DOMAINS.get(record.get("domain", ""))
                if category is None:
                    continue
                row = {
                    "tid": int(record["tid"]),
                    "text": message_text(record),
                    "domain": record["domain"],
                    "category": category,
                }
                kept = rows.get(row["tid"])
                if kept is None or len(row["text"]) > len(kept["text"]):
                    rows[row["tid"]] = row
    return [rows[tid] for tid in sorted(rows)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "repo", type=Path, help="a clone (git dir or work tree) of alfonsocheng1025/liuyanzhejiang"
    )
    rows = collect(parser.parse_args().repo)
    OUTPUT.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    print(f"{len(rows)} messages -> {OUTPUT}")


if __name__ == "__main__":
    main()
