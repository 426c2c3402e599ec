"""The shipped router: it loads, ranks every category's typical complaint first, returns
calibrated probabilities, is fast and safe to share between threads."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from complaint_router import ComplaintRouter, RankedCategory, load_categories, shared_router

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Not sentences of the training data: a short everyday complaint per category.
TYPICAL = {
    "urban_construction": "小区物业不管事，电梯坏了一个月都没人修",
    "environment": "楼下餐馆的油烟直接往我家窗户里灌，熏死人了",
    "transport": "出租车司机拒载还绕路，投诉一下",
    "education": "孩子入学被分到很远的学校，学区划片不合理",
    "labor_social_security": "老板拖欠我们三个月工资不发",
    "commerce_tourism": "景区门票太贵，里面的东西还宰客",
    "health": "医院医生态度很差，乱开检查",
    "water_supply": "我们小区停水一整天了，自来水什么时候来",
    "power_supply": "又停电了，电压也一直不稳",
    "gas_supply": "厨房里有很大的燃气味，怀疑燃气泄漏",
    "market_supervision": "超市卖过期食品，吃了拉肚子",
    "public_security": "小区里连着好几户被撬门入室盗窃，报警一个月了没消息",
    "other": "建议政务服务中心多开几个窗口，办事排队太久",
}


@pytest.fixture(scope="module")
def router() -> ComplaintRouter:
    return ComplaintRouter.load()


def test_shipped_model_loads_quickly() -> None:
    started = time.perf_counter()
    ComplaintRouter.load()
    assert time.perf_counter() - started < 2.0  # ~0.1 s idle; slack for a busy 2-core box


def test_categories_are_the_demo_citys() -> None:
    """The router's own category list mirrors the sandbox's (demo city + extra categories)."""
    from sandbox.database import EXTRA_COMPLAINT_CATEGORIES

    demo = json.loads((PROJECT_ROOT / "sandbox" / "demo_city.json").read_text(encoding="utf-8"))
    expected = [
        (item["category"], item["name"], item["department"])
        for item in [*demo["complaint_categories"], *EXTRA_COMPLAINT_CATEGORIES]
    ]
    assert [(c.category, c.name, c.department) for c in load_categories()] == expected
    assert [(c.category, c.name, c.department) for c in ComplaintRouter.load().categories] == expected


@pytest.mark.parametrize(("category", "text"), sorted(TYPICAL.items()))
def test_typical_complaint_routes_right(router: ComplaintRouter, category: str, text: str) -> None:
    assert router.top(text, k=1)[0].category == category


def test_top_three_sorted_calibrated(router: ComplaintRouter) -> None:
    ranked = router.top("楼下工地半夜还在打桩，吵得人睡不着", k=3)
    assert len(ranked) == 3
    assert all(isinstance(item, RankedCategory) and item.name and item.department for item in ranked)
    scores = [item.score for item in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert sum(scores) <= 1.0 + 1e-9
    assert abs(sum(router.probabilities("随便说点什么").values()) - 1.0) < 1e-6


def test_edge_inputs(router: ComplaintRouter) -> None:
    assert len(router.top("", k=3)) == 3  # nothing to go on: still a ranking, never an error
    assert router.top("停水", k=0) == []
    assert len(router.top("停水", k=50)) == len(router.categories)


def test_prediction_is_fast(router: ComplaintRouter) -> None:
    text = "尊敬的领导您好，" + TYPICAL["urban_construction"] * 10
    router.top(text)
    started = time.perf_counter()
    for _ in range(50):
        router.top(text)
    # ~0.2 ms idle (char n-grams); slack for a busy shared box
    assert (time.perf_counter() - started) / 50 < 0.025


@pytest.fixture(scope="module")
def embedding_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A city's model trained with `--embeddings` (the shipped one uses char n-grams only)."""
    from complaint_router.__main__ import main

    folder = tmp_path_factory.mktemp("embedding_model")
    rows = [(text, category) for category, texts in SMALL_EXPORT.items() for text in texts]
    data = folder / "export.csv"
    data.write_text("text,category\n" + "".join(f"{text},{category}\n" for text, category in rows), "utf-8")
    model = folder / "city.npz"
    assert main(["train", "--data", str(data), "--out", str(model), "--embeddings"]) == 0
    return model


SMALL_EXPORT = {
    "gas_supply": ["厨房燃气味很大", "燃气表走得太快", "小区停气两天了", "燃气管道漏气"],
    "water_supply": ["小区停水一整天", "自来水发黄有味道", "水压太低上不了楼", "水表坏了"],
}


def test_caller_supplied_encoder_is_used(embedding_model: Path) -> None:
    """The gateway can hand over the encoder it already holds (the knowledge base's USE)."""
    from complaint_router.model import shared_use_encoder

    calls: list[int] = []

    class CountingEncoder:
        def encode(self, texts: list[str]) -> object:
            calls.append(len(texts))
            return shared_use_encoder().encode(texts)

    router = ComplaintRouter.load(embedding_model, encoder=CountingEncoder())
    assert calls == [1]  # the check that it is the encoder the model was trained with
    assert router.top("家里燃气泄漏了")[0].category == "gas_supply"
    assert calls == [1, 1]


def test_the_shipped_model_needs_no_sentence_encoder() -> None:
    """Chosen on real messages, where the embedding lowered accuracy: routing is n-grams only."""

    class NoEncoder:
        def encode(self, texts: list[str]) -> object:
            raise AssertionError("the shipped router must not embed")

    router = ComplaintRouter.load(encoder=NoEncoder())
    assert router.top(TYPICAL["gas_supply"])[0].category == "gas_supply"


def test_a_different_encoder_is_refused(embedding_model: Path) -> None:
    """A knowledge base configured with another model (KB_MODEL) must not feed the router."""
    import numpy as np

    from complaint_router.model import ModelFileError

    class OtherEncoder:
        def encode(self, texts: list[str]) -> np.ndarray:
            return np.random.default_rng(0).normal(size=(len(texts), 512))

    with pytest.raises(ModelFileError, match="not the one this model was trained with"):
        ComplaintRouter.load(embedding_model, encoder=OtherEncoder())


def test_thread_safe_shared_instance() -> None:
    assert shared_router() is shared_router()
    texts = list(TYPICAL.values()) * 8
    expected = [shared_router().top(text)[0].category for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda text: shared_router().top(text)[0].category, texts))
    assert got == expected


def test_the_router_and_the_knowledge_base_share_one_sentence_encoder() -> None:
    """One copy of the USE weights per process (common/use_encoder.py), whichever loads first."""
    from complaint_router.model import shared_use_encoder
    from knowledge_base.encoders import UniversalSentenceEncoder

    assert UniversalSentenceEncoder()._use is shared_use_encoder()
