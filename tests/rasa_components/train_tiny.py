"""Run by the Rasa environment's Python for tests/rasa_components: trains a tiny project (two
intents, two stories) with the fast-loading DIET and TED for two epochs each, and prints, as
JSON, how many times each traced its train step.

usage: train_tiny.py WORK_DIR
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))
# A cache of its own: from Rasa's shared one a second run would reuse the trained components
# and never fit.
os.environ["RASA_CACHE_DIRECTORY"] = str(Path(sys.argv[1]) / "cache")

from rasa.model_training import train  # noqa: E402

from rasa_components import fast_loading  # noqa: E402

CONFIG = """
recipe: default.v1
assistant_id: tiny
language: zh
pipeline:
  - name: rasa_components.words_tokenizer.WordsOnlyJiebaTokenizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 2
  - name: rasa_components.fast_loading.FastLoadingDIETClassifier
    epochs: 2
    number_of_transformer_layers: 1
    transformer_size: 16
policies:
  - name: rasa_components.fast_loading.FastLoadingTEDPolicy
    epochs: 2
    max_history: 3
"""
DOMAIN = """
version: "3.1"
intents: [greet, query_bill]
responses:
  utter_greet: [{text: "您好"}]
  utter_bill: [{text: "请告诉我户号"}]
"""
NLU = """
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - 你好
      - 您好啊
      - 早上好
      - 在吗
  - intent: query_bill
    examples: |
      - 查一下水费
      - 这个月电费多少
      - 燃气费欠了多少钱
      - 帮我查账单
"""
STORIES = """
version: "3.1"
stories:
  - story: greet
    steps:
      - intent: greet
      - action: utter_greet
  - story: bill
    steps:
      - intent: query_bill
      - action: utter_bill
"""


def main() -> None:
    work = Path(sys.argv[1])
    for name, text in (
        ("config.yml", CONFIG),
        ("domain.yml", DOMAIN),
        ("nlu.yml", NLU),
        ("stories.yml", STORIES),
    ):
        (work / name).write_text(text, encoding="utf-8")
    traces: dict[str, int] = {}
    fit = fast_loading._LoadsForPrediction.fit

    def counted_fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        history = fit(self, *args, **kwargs)
        traces[type(self).__name__] = int(self.train_function.experimental_get_tracing_count())
        return history

    fast_loading._LoadsForPrediction.fit = counted_fit
    result = train(
        str(work / "domain.yml"),
        str(work / "config.yml"),
        [str(work / "nlu.yml"), str(work / "stories.yml")],
        str(work / "models"),
    )
    print(json.dumps({"code": result.code, "traces": traces}))


if __name__ == "__main__":
    main()
