"""The real-message routing set: what build.py keeps from the scraped boards, and that the
benchmark section skips cleanly without it. The figures are measured by the benchmark only."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from types import ModuleType

from benchmarks.understanding import complaint_routing_real, parse_args

BUILD = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "real_complaints" / "build.py"


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("real_complaints_build", BUILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _commit(repo: Path, store: dict, message: str) -> None:
    (repo / "data.json").write_text(json.dumps(store, ensure_ascii=False), encoding="utf-8")
    subprocess.run(["git", "-C", str(repo), "add", "data.json"], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message],
        check=True,
    )


def test_build_keeps_mapped_domains_once_each_with_the_longest_excerpt_of_any_commit(tmp_path: Path) -> None:
    repo = tmp_path / "board"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _commit(
        repo,
        {
            "recent": [
                {"tid": 2, "title": "油烟扰民", "content": "楼下饭店...", "domain": "环保"},
                {"tid": 3, "title": "派出所不作为", "content": "报警没人管", "domain": "治安"},
            ]
        },
        "first window",
    )
    _commit(
        repo,
        {
            "recent": [{"tid": 2, "title": "油烟扰民", "content": "楼下饭店油烟直排...", "domain": "环保"}],
            "pending": [{"tid": 1, "title": "公交改线", "content": "", "domain": "交通"}],
        },
        "second window",
    )
    rows = _build_module().collect(repo)
    assert rows == [
        {"tid": 1, "text": "公交改线", "domain": "交通", "category": "transport"},
        {"tid": 2, "text": "油烟扰民。楼下饭店油烟直排", "domain": "环保", "category": "environment"},
    ]


def test_the_section_reports_a_skip_when_the_messages_were_never_built(tmp_path: Path) -> None:
    absent = tmp_path / "messages.jsonl"
    body = complaint_routing_real(parse_args(["--real-messages", str(absent)]))
    assert "Skipped" in body and str(absent) in body and "build.py" in body
