"""Trains the Rasa model only when its inputs changed.

The inputs (config, domain, training data, jieba dictionary, the project's Rasa components,
Rasa's pinned version) are hashed; a model trained from the same inputs is reused from a cache
outside the checkout, so CI's fresh clones and a second `make run` skip the minutes of training.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from common.settings import load_settings  # noqa: E402

MODEL_INPUTS = [
    "config.yml",
    "domain.yml",
    "data",
    "rasa_components",
    "requirements/rasa.txt",
    "requirements/rasa-overrides.txt",
]
MODELS_DIR = PROJECT_ROOT / "models"
STALE_MODEL_SECONDS = 3600


def model_cache_dir() -> Path:
    return load_settings().model_cache_dir


def input_files(root: Path = PROJECT_ROOT) -> list[Path]:
    files: list[Path] = []
    for name in MODEL_INPUTS:
        path = root / name
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts))
        else:
            files.append(path)
    return files


def inputs_hash(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for path in input_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def rasa_environment() -> dict[str, str]:
    """Rasa must never reach for the internet: no telemetry, no error reporting, no hub."""
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "HF_HUB_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONWARNINGS": "ignore",
    }


def ensure_model(rasa_bin: Path) -> Path:
    """Returns the model for the current inputs, training it only if no cached copy exists."""
    model_name = f"citizen-{inputs_hash()}.tar.gz"
    cached = model_cache_dir() / model_name
    target = MODELS_DIR / model_name
    MODELS_DIR.mkdir(exist_ok=True)
    cached.parent.mkdir(parents=True, exist_ok=True)
    # Several stacks starting at once (test runs, benchmarks) train one model, not one each:
    # the others wait for it and then reuse it.
    with _exclusive(cached.with_suffix(".lock")):
        return _ensure_locked(rasa_bin, model_name, cached, target)


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _ensure_locked(rasa_bin: Path, model_name: str, cached: Path, target: Path) -> Path:
    if not cached.exists():
        started = time.monotonic()
        print(f"Training the Rasa model ({model_name}); this takes a few minutes...", flush=True)
        subprocess.run(
            [
                str(rasa_bin),
                "train",
                # `make validate` checks the data strictly (--fail-on-warnings) and `make test` runs
                # it first; Rasa's own pass before training only warns, and took 10-12 s of it.
                "--skip-validation",
                "--fixed-model-name",
                model_name.removesuffix(".tar.gz"),
                "--out",
                str(MODELS_DIR),
            ],
            cwd=PROJECT_ROOT,
            env=rasa_environment(),
            check=True,
        )
        partial = cached.with_suffix(".partial")
        shutil.copyfile(target, partial)
        partial.replace(cached)
        print(f"Trained in {time.monotonic() - started:.0f} s.", flush=True)
    elif not target.exists():
        shutil.copyfile(cached, target)
        print(f"Inputs unchanged: reusing the cached model {model_name}.", flush=True)
    os.utime(target)  # in use from now on
    # Older models go, but not one another stack started in the last hour may still be loading.
    for stale in MODELS_DIR.glob("*.tar.gz"):
        if stale.name != model_name and time.time() - stale.stat().st_mtime > STALE_MODEL_SECONDS:
            stale.unlink(missing_ok=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rasa", default=str(PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"))
    parser.add_argument("--print-hash", action="store_true", help="print the inputs' hash and exit")
    args = parser.parse_args()
    if args.print_hash:
        print(inputs_hash())
        return
    try:
        print(ensure_model(Path(args.rasa)))
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode)


if __name__ == "__main__":
    main()
