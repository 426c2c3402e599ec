"""The load benchmark's pieces without a stack: its errands, its bookkeeping and its report.
The figures themselves are measured by `python -m benchmarks.load`, never asserted here."""

from __future__ import annotations

import pytest

from benchmarks.load import (
    BILL_QUERIES,
    GREETINGS,
    mixed,
    mixed_scripts,
    new_sender,
    run_alternating,
    run_concurrent,
    varied,
)
from benchmarks.load_report import BARE, CHAT, SIDE_BY_SIDE, WECHAT, Result, Sample, overhead_rows, report


def test_every_citizen_of_the_mixed_load_runs_every_kind_of_errand_in_its_own_order() -> None:
    intents = {turn.intent for script in mixed_scripts(0) for turn in script.turns}
    assert {"greeting", "bill query", "returning bill query", "guide", "faq"} <= intents
    assert {"complaint form", "booking form"} <= intents
    first, second = mixed(7)(0), mixed(7)(1)
    assert [turn for _sender, turn in first] != [turn for _sender, turn in second]
    assert {turn.intent for _sender, turn in first} == intents


def test_a_returning_citizen_writes_again_under_its_own_id_and_new_ones_under_fresh_ids() -> None:
    pairs = mixed(7)(3)
    returning = [sender for sender, turn in pairs if turn.intent == "returning bill query"]
    new_bill = [sender for sender, turn in pairs if turn.intent == "bill query"]
    assert len(returning) == 1 and returning[0] not in new_bill
    assert len({sender for sender, _turn in varied(GREETINGS, 5)(0)}) == 5
    assert new_sender() != new_sender()


def test_concurrent_citizens_word_their_greetings_and_bill_queries_differently() -> None:
    for turns in (GREETINGS, BILL_QUERIES):
        texts = [turn.text for worker in range(16) for _sender, turn in varied(turns, 10)(worker)]
        assert set(texts) == {turn.text for turn in turns} and len(turns) >= 10


def _result(scenario: str, channel: str, millis: list[int], workers: int = 16) -> Result:
    samples = [Sample("greeting", value / 1000, "normal") for value in millis]
    samples[-1].kind = "busy"
    if channel == WECHAT:
        samples[-1].passive = False
    cpu = {"gateway": 1.0, "rasa": 2.0, "actions": 0.5, "sandbox": 0.1, "load generator": 0.2}
    return Result(scenario, channel, workers, 2.0, samples, cpu)


def test_the_report_states_every_target_with_the_measured_figure() -> None:
    results = []
    for scenario, workers in (
        ("unloaded greeting", 1),
        ("unloaded bill query", 1),
        ("16 concurrent greetings", 16),
        ("16 concurrent bill queries", 16),
        ("20 concurrent mixed", 20),
    ):
        results.append(_result(scenario, BARE, list(range(10, 110, 10)), workers))
        results.append(_result(scenario, CHAT, list(range(20, 220, 20)), workers))
    results.append(_result("20 concurrent mixed", WECHAT, [100] * 9 + [5000], 20))
    memory = {"after start": {name: (100.0, 80.0) for name in ("gateway", "rasa", "actions", "sandbox")}}
    memory["after start"]["notices, retention, supervisord"] = (150.0, 120.0)
    text = report(results, memory, 12.5, "note")
    assert "| bill queries, 16 concurrent: >= 25 msg/s | 5.0/s | no |" in text
    assert "| greeting unloaded: p50 <= 30 ms | 100 ms | no |" in text  # nearest-rank p50 of 20..200
    assert "| gateway p50 <= 1.1x bare Rasa on the same load (worst scenario) | 2.00x | no |" in text
    assert "| mixed: 100 % WeChat passive replies within 4 s | 90.0% | no |" in text
    assert "| whole stack <= 1.5 GB RSS after start | 550 MB | yes |" in text
    assert "| cold start <= 30 s (model cached) | 12.5 s | yes |" in text
    assert "| 16 concurrent bill queries | /api/chat | 10 | 5.0 | 100 | 200 | 200 | 1 |" in text
    assert "| notices, retention, supervisord | 150 / 120 |" in text
    assert "| whole stack | 550 / 440 |" in text


class _Channel:
    def __init__(self, name: str, sent: list[str], millis: float) -> None:
        self.name, self._sent, self._millis = name, sent, millis

    async def send(self, sender: str, text: str) -> Sample:
        self._sent.append(self.name)
        return Sample("", self._millis / 1000, "normal")


class _Meter:
    """CPU that grows by one second on every read, as if each message cost the stack a second."""

    def __init__(self) -> None:
        self.reads = 0

    def cpu(self) -> dict[str, float]:
        self.reads += 1
        return {"rasa": float(self.reads)}


async def test_one_at_a_time_the_channels_take_turns_message_by_message() -> None:
    sent: list[str] = []
    bare, chat = _Channel(BARE, sent, 10), _Channel(CHAT, sent, 12)
    results = await run_alternating(_Meter(), "unloaded greeting", (bare, chat), varied(GREETINGS, 3))  # type: ignore[arg-type]
    assert sent == [BARE, CHAT] * 3
    assert [(r.channel, len(r.samples), r.cpu["rasa"]) for r in results] == [(BARE, 3, 3.0), (CHAT, 3, 3.0)]
    assert results[1].seconds == 3 * 0.012


async def test_side_by_side_citizens_alternate_channels_and_share_the_runs_cpu() -> None:
    sent: list[str] = []
    bare, chat = _Channel(BARE, sent, 10), _Channel(CHAT, sent, 12)
    results = await run_concurrent(_Meter(), SIDE_BY_SIDE, (bare, chat), 4, varied(GREETINGS, 3))  # type: ignore[arg-type]
    assert sent.count(BARE) == sent.count(CHAT) == 6
    assert [(r.channel, len(r.samples), r.cpu["rasa"]) for r in results] == [(BARE, 6, 0.5), (CHAT, 6, 0.5)]


def test_only_scenarios_measured_at_the_same_moments_decide_the_overhead_target() -> None:
    results = [
        _result("unloaded greeting", BARE, [10] * 10, 1),
        _result("unloaded greeting", CHAT, [11] * 10, 1),
        _result("16 concurrent greetings", BARE, [10] * 10),
        _result("16 concurrent greetings", CHAT, [30] * 10),
    ]
    rows, worst = overhead_rows(results)
    assert worst == pytest.approx(1.1)
    assert rows[0][-1] == "at the same time" and rows[1][-1] == "one after the other"
