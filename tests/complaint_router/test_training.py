"""Retraining from a city's export, the errors a deployer sees for a bad file, and the
check that the shipped model was trained from the shipped data."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from complaint_router import ComplaintRouter
from complaint_router.__main__ import main
from complaint_router.dataset import load_shipped
from complaint_router.router import DEFAULT_MODEL_PATH
from complaint_router.text import NORMALIZATION_VERSION
from complaint_router.train import DEFAULT_CONFIG

ROWS = [
    ("路灯坏了好几天没人修", "streets", "街道设施", "市城管局"),
    ("人行道的砖翘起来了", "streets", "街道设施", "市城管局"),
    ("马路上有个大坑", "streets", "街道设施", "市城管局"),
    ("井盖丢了很危险", "streets", "街道设施", "市城管局"),
    ("公园的厕所太脏了", "parks", "园林绿化", "市园林局"),
    ("公园里的树被人砍了", "parks", "园林绿化", "市园林局"),
    ("公园草坪没人修剪", "parks", "园林绿化", "市园林局"),
    ("公园的长椅坏了", "parks", "园林绿化", "市园林局"),
]


def test_shipped_model_is_not_stale() -> None:
    """Fails when data/ or the training code's settings changed without retraining; fix
    with `python -m complaint_router train` and commit complaint_router/shipped/router.npz."""
    metadata = ComplaintRouter.load().metadata
    assert metadata["data_fingerprint"] == load_shipped().fingerprint, "shipped model is stale: retrain"
    assert metadata["training_config"] == asdict(DEFAULT_CONFIG), "training config changed: retrain"
    assert metadata["normalization_version"] == NORMALIZATION_VERSION, "normalization changed: retrain"


def test_shipped_model_is_small() -> None:
    assert DEFAULT_MODEL_PATH.stat().st_size < 6_000_000  # ~4.5 MB: the char n-gram vocabulary and weights


def _route(model: Path, text: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["route", text, "--model", str(model)]) == 0
    return capsys.readouterr().out.strip().splitlines()


def test_train_on_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "export.csv"
    data.write_text(
        "text,category,name,department\n" + "".join(",".join(row) + "\n" for row in ROWS), "utf-8"
    )
    model = tmp_path / "city.npz"
    assert main(["train", "--data", str(data), "--out", str(model)]) == 0
    assert "cross-validation" in capsys.readouterr().out
    lines = _route(model, "公园的厕所没人打扫", capsys)
    assert len(lines) == 2 and "parks" in lines[0] and "园林绿化" in lines[0] and "市园林局" in lines[0]


def test_train_on_json_without_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "export.json"
    rows = [{"text": text, "category": category} for text, category, *_ in ROWS]
    rows += [
        {"text": "小区停水了", "category": "water_supply"},
        {"text": "自来水发黄", "category": "water_supply"},
    ]
    data.write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    model = tmp_path / "city.npz"
    assert main(["train", "--data", str(data), "--out", str(model)]) == 0
    router = ComplaintRouter.load(model)
    by_id = {category.category: category for category in router.categories}
    assert by_id["water_supply"].name == "供水"  # a known id takes the shipped name and department
    assert by_id["parks"].name == "parks"
    assert router.top("马路上的井盖不见了")[0].category == "streets"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("export.csv", "message,label\n你好,a\n", "missing category, text"),
        ("export.csv", "text,category\n路灯坏了,streets\n,streets\n", "line 3: empty text"),
        ("export.csv", "text,category\n路灯坏了,streets\n井盖丢了,streets\n", "only one category"),
        (
            "export.csv",
            "text,category\n路灯坏了,streets\n井盖丢了,streets\n公园脏,parks\n",
            "'parks' has 1 example",
        ),
        ("export.json", '{"text": "x"}', "expected a JSON list"),
        ("export.json", "[{oops", "not valid UTF-8 JSON"),
        ("export.json", '["just a string"]', "item 1 is not an object"),
        ("export.xlsx", "whatever", "expected a .csv or .json file"),
    ],
)
def test_bad_files_are_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, message: str
) -> None:
    data = tmp_path / name
    data.write_text(content, "utf-8")
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "m.npz")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()


def test_non_utf8_and_missing_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "export.csv"
    data.write_bytes("text,category\n路灯坏了,streets\n".encode("gbk"))
    assert main(["train", "--data", str(data)]) == 2
    assert "not UTF-8" in capsys.readouterr().err
    assert main(["train", "--data", str(tmp_path / "absent.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["route", "停水", "--model", str(tmp_path / "absent.npz")]) == 2
    assert "not a complaint-router model file" in capsys.readouterr().err


def test_package_imports_only_what_it_may() -> None:
    """The router is a library: never the dialogue, gateway, integrations, sandbox, knowledge
    base or benchmarks (the deployer may ship it without them)."""
    import ast

    forbidden = {"actions", "bot", "integrations", "sandbox", "knowledge_base", "benchmarks", "departments"}
    package = Path(__file__).resolve().parents[2] / "complaint_router"
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not {name.split(".")[0] for name in names} & forbidden, f"{source.name} imports {names}"
