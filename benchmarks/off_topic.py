"""Off-topic refusal and city-intent accuracy of a running Rasa server, on held-out messages.

People send a city assistant what they send any assistant ("红烧肉怎么做", "打电话给张三", "几点了").
Each of those must come back as out_of_scope (or nlu_fallback), never as a city intent that sends
the citizen into a bill form or the agents' queue; and refusing them must not cost the city's own
intents. This benchmark trains nothing: it posts every text of the two hand-written held-out sets
to the server's ``/model/parse`` and reports

- the share of off-topic requests refused (intent out_of_scope or nlu_fallback), per kind;
- the accuracy on city-service messages, and how many of them were wrongly refused;
- the confusions of both;
- a baseline in the same run: a char 1-3-gram TF-IDF + logistic regression classifier trained on
  the NLU training data in data/nlu/ (entity annotations stripped), refusing on out_of_scope or on
  a confidence below the FallbackClassifier threshold of config.yml.

    python -m benchmarks.off_topic [--rasa-url http://127.0.0.1:5005] [--normalize]

``--city`` / ``--off-topic`` name other files of the same shape: benchmarks/data/dev/ holds a
dev split that the NLU data is tuned against (its figures are optimistic; the README's come
from the held-out defaults, which nothing is tuned on).

``--normalize`` passes each text through common.text_normalization.normalize_message first, as the
gateway does. Held-out texts that also appear in the training data are left out and counted.
Prints everything and writes benchmarks/reports/off_topic.md.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import httpx  # noqa: E402
import yaml  # noqa: E402

from benchmarks.report import markdown_table, write_report  # noqa: E402
from common.text_normalization import normalize_message  # noqa: E402
from scripts.stack import Stack  # noqa: E402

DATA_DIR = PROJECT_ROOT / "benchmarks" / "data"
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
CONFIG = PROJECT_ROOT / "config.yml"
REFUSALS = frozenset({"out_of_scope", "nlu_fallback"})
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")

Classifier = Callable[[str], str]


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    """The kind of off-topic request (cooking, phone, ...) or the expected city intent."""


@dataclass(frozen=True)
class Scores:
    name: str
    refused: float
    city_accuracy: float
    city_refused: float
    off_topic_predictions: list[tuple[Example, str]]
    city_predictions: list[tuple[Example, str]]


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    training = load_training_examples(NLU_DIR)
    training_texts = {example.text for example in training}
    off_topic, off_overlap = held_out(load_grouped(args.off_topic, "kinds"), training_texts)
    city, city_overlap = held_out(load_grouped(args.city, "intents"), training_texts)
    threshold = fallback_threshold(CONFIG)
    prepare = normalize_message if args.normalize else (lambda text: text)

    if args.rasa_url is None:
        # No Rasa named: serve the project's model on free ports for this run.
        with tempfile.TemporaryDirectory() as state_dir:
            stack = Stack.on_free_ports(Path(state_dir), LOG_LEVEL="WARNING")
            stack.start()
            try:
                main(
                    [
                        *(argv or []),
                        "--rasa-url",
                        stack.env["RASA_URL"],
                        "--rasa-token",
                        stack.env["RASA_AUTH_TOKEN"],
                    ]
                )
            finally:
                stack.stop()
        return
    params = {"token": args.rasa_token} if args.rasa_token else None
    with httpx.Client(base_url=args.rasa_url, timeout=args.timeout, params=params) as client:
        status = client.get("/status")
        status.raise_for_status()
        model = status.json().get("model_file", "?")
        rasa = score("Rasa NLU (the served model)", rasa_classifier(client, prepare), off_topic, city)
    baseline = score(
        f"baseline: char 1-3-gram TF-IDF + logistic regression, refuse below {threshold}",
        tfidf_classifier(training, threshold, prepare),
        off_topic,
        city,
    )

    lines = [
        f"- server: {args.rasa_url}, model `{Path(model).name}`",
        f"- texts {'normalised with normalize_message' if args.normalize else 'posted as written'}",
        f"- off-topic held-out: {len(off_topic)} requests in {len({e.label for e in off_topic})} kinds"
        f" ({args.off_topic.relative_to(PROJECT_ROOT)}; {off_overlap} left out, also in training data)",
        f"- city held-out: {len(city)} messages, {len({e.label for e in city})} intents"
        f" ({args.city.relative_to(PROJECT_ROOT)}; {city_overlap} left out, also in training data)",
        f"- training data for the baseline: {len(training)} examples from data/nlu/",
        "",
        "## Summary",
        "",
        markdown_table(
            ["classifier", "off-topic refused", "city intent accuracy", "city messages refused"],
            [
                [s.name, percent(s.refused), percent(s.city_accuracy), percent(s.city_refused)]
                for s in (rasa, baseline)
            ],
        ),
    ]
    for scores in (rasa, baseline):
        lines += ["", f"## {scores.name}", "", *confusion_sections(scores)]
    write_report("off_topic", "Off-topic refusal and city-intent accuracy", "\n".join(lines))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rasa-url", help="a running Rasa server (default: start the stack for this run)")
    parser.add_argument("--rasa-token", default="", help="that server's --auth-token, if it has one")
    parser.add_argument("--off-topic", type=_project_path, default=DATA_DIR / "off_topic_heldout.yml")
    parser.add_argument("--city", type=_project_path, default=DATA_DIR / "city_intents_heldout.yml")
    parser.add_argument("--normalize", action="store_true", help="normalize_message each text first")
    parser.add_argument("--timeout", type=float, default=30.0)
    return parser.parse_args(argv)


def _project_path(value: str) -> Path:
    """A path as given on the command line, made absolute (the report names it relative to the project)."""
    return Path(value).resolve()


def load_grouped(path: Path, key: str) -> list[Example]:
    """A held-out file: ``{key: {label: [text, ...]}}``."""
    groups = yaml.safe_load(path.read_text(encoding="utf-8"))[key]
    return [Example(str(text).strip(), label) for label, texts in groups.items() for text in texts]


def held_out(examples: list[Example], training_texts: set[str]) -> tuple[list[Example], int]:
    """The examples whose text is not in the training data, and how many were left out."""
    kept = [example for example in examples if example.text not in training_texts]
    return kept, len(examples) - len(kept)


def load_training_examples(nlu_dir: Path) -> list[Example]:
    """Every intent example of the Rasa NLU files, entity annotations replaced by their text."""
    examples: list[Example] = []
    for path in sorted(nlu_dir.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in document.get("nlu") or []:
            if "intent" not in item:
                continue
            for line in str(item.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2) or "", line[2:]).strip()
                    if text:
                        examples.append(Example(text, item["intent"]))
    return examples


def fallback_threshold(config_path: Path) -> float:
    """The FallbackClassifier threshold of the shipped pipeline, so the baseline refuses alike."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    for component in config.get("pipeline", []):
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return 0.3


def rasa_classifier(client: httpx.Client, prepare: Callable[[str], str]) -> Classifier:
    def classify(text: str) -> str:
        response = client.post("/model/parse", json={"text": prepare(text)})
        response.raise_for_status()
        return (response.json().get("intent") or {}).get("name") or "nlu_fallback"

    return classify


def tfidf_classifier(training: list[Example], threshold: float, prepare: Callable[[str], str]) -> Classifier:
    """The cheap baseline: what a bag of character n-grams learns from the same data."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True),
        LogisticRegression(max_iter=2000, C=10.0),
    )
    model.fit([prepare(e.text) for e in training], [e.label for e in training])
    classes = list(model.classes_)

    def classify(text: str) -> str:
        probabilities = model.predict_proba([prepare(text)])[0]
        best = int(probabilities.argmax())
        return classes[best] if probabilities[best] >= threshold else "nlu_fallback"

    return classify


def score(name: str, classify: Classifier, off_topic: list[Example], city: list[Example]) -> Scores:
    off_predictions = [(example, classify(example.text)) for example in off_topic]
    city_predictions = [(example, classify(example.text)) for example in city]
    return Scores(
        name=name,
        refused=share(predicted in REFUSALS for _, predicted in off_predictions),
        city_accuracy=share(predicted == example.label for example, predicted in city_predictions),
        city_refused=share(predicted in REFUSALS for _, predicted in city_predictions),
        off_topic_predictions=off_predictions,
        city_predictions=city_predictions,
    )


def confusion_sections(scores: Scores) -> list[str]:
    lines = ["Off-topic requests by kind (refused / all; what the rest became):", ""]
    rows = []
    for kind in dict.fromkeys(example.label for example, _ in scores.off_topic_predictions):
        predictions = [p for example, p in scores.off_topic_predictions if example.label == kind]
        accepted = Counter(p for p in predictions if p not in REFUSALS)
        refused = len(predictions) - sum(accepted.values())
        rows.append(
            [kind, f"{refused}/{len(predictions)}", ", ".join(f"{k} {v}" for k, v in accepted.most_common())]
        )
    lines += [markdown_table(["kind", "refused", "taken as"], rows), ""]
    wrong = [(e, p) for e, p in scores.off_topic_predictions if p not in REFUSALS]
    lines += [f"Off-topic requests not refused ({len(wrong)}):", ""]
    lines += [f"- {e.text} → {p}" for e, p in wrong] or ["- none"]
    lines += ["", "City messages by intent (right / all; what the rest became):", ""]
    rows = []
    for intent in dict.fromkeys(example.label for example, _ in scores.city_predictions):
        predictions = [p for example, p in scores.city_predictions if example.label == intent]
        others = Counter(p for p in predictions if p != intent)
        right = len(predictions) - sum(others.values())
        rows.append(
            [intent, f"{right}/{len(predictions)}", ", ".join(f"{k} {v}" for k, v in others.most_common())]
        )
    lines += [markdown_table(["intent", "right", "taken as"], rows), ""]
    wrong = [(e, p) for e, p in scores.city_predictions if p != e.label]
    lines += [f"City messages misread ({len(wrong)}):", ""]
    lines += [f"- {e.text} ({e.label}) → {p}" for e, p in wrong] or ["- none"]
    return lines


def share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 0.0


def percent(value: float) -> str:
    return f"{value:.1%}"


if __name__ == "__main__":
    main()
