"""Service guides, life events and the FAQ fallback, run as Rasa would run the actions after
the NLU, against the real knowledge base (catalog, bundles and the real retriever)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.guides import knowledge
from actions.guides.faq_fallback import ActionFaqFallback
from actions.guides.life_event import ActionLifeEvent
from actions.guides.replies import (
    ASPECT_HINT,
    CLARIFY_TEXT,
    GUIDE_MENU_TEXT,
    KB_UNAVAILABLE_TEXT,
    NO_GUIDE_TEXT,
    OUT_OF_SCOPE_TEXT,
    UNKNOWN_TEXT,
    WHICH_SERVICE_TEXT,
    entry_reply,
    guide_payload,
)
from actions.guides.service_guide import ActionServiceGuide
from actions.guides.understanding import is_follow_up, requested_aspects, requested_topics
from knowledge_base.catalog import Catalog, CatalogError
from knowledge_base.life_events import (
    LIFE_EVENT_IDS,
    MAX_TOPICS,
    MIN_TOPICS,
    bundle_problems,
    load_life_events,
)
from knowledge_base.loader import BackgroundRetriever
from knowledge_base.retriever import Retriever


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": 0}


def tracker(text: str, intent: str = "ask_service_guide", *entities: dict[str, Any], **slots: Any) -> Tracker:
    return Tracker(
        sender_id="web:guides",
        slots=slots,
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": list(entities),
        },
        events=[{"event": "user", "text": text}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


class Chat:
    """One citizen's turns: each runs an action on a message and keeps its slot events."""

    def __init__(self) -> None:
        self.slots: dict[str, Any] = {}

    async def say(
        self, action: Action, text: str, intent: str = "ask_service_guide", *entities: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher = CollectingDispatcher()
        for event in await action.run(dispatcher, tracker(text, intent, *entities, **self.slots), {}):
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        return dispatcher.messages


def kb_ids(messages: list[dict[str, Any]]) -> list[str]:
    return [message["custom"]["kb_id"] for message in messages if "kb_id" in message.get("custom", {})]


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [button["payload"] for message in messages for button in message.get("buttons", [])]


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(message.get("text") or "" for message in messages)


@pytest.fixture(autouse=True)
def no_preload(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests hand the actions their own loader; none may start the process-wide one."""
    monkeypatch.setenv("KB_PRELOAD", "0")


@pytest.fixture
def catalog() -> Catalog:
    return knowledge.catalog()


@pytest.fixture(scope="module")
def real_loader() -> BackgroundRetriever:
    """The shipped content and encoder, built once for this module."""
    loader = BackgroundRetriever(Retriever.from_config)
    loader.get(timeout_seconds=600)
    return loader


@pytest.fixture
def retriever_ready(monkeypatch: pytest.MonkeyPatch, real_loader: BackgroundRetriever) -> Iterator[None]:
    monkeypatch.setattr(knowledge, "shared_retriever", lambda: real_loader)
    yield


@pytest.fixture
def retriever_broken(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail() -> Retriever:
        raise OSError("KB_MODEL points nowhere")

    loader = BackgroundRetriever(fail)
    monkeypatch.setattr(knowledge, "shared_retriever", lambda: loader)


# --- life-event bundles (data) -------------------------------------------------------


def test_every_life_event_has_a_bundle_of_existing_topics(catalog: Catalog) -> None:
    events = load_life_events()
    assert set(events) == set(LIFE_EVENT_IDS)
    assert bundle_problems(events, catalog) == []
    for event in events.values():
        assert MIN_TOPICS <= len(event.topics) <= MAX_TOPICS, event.id
        assert event.name and event.intro


def test_bundle_files_are_checked_strictly(tmp_path: Path) -> None:
    path = tmp_path / "life_events.yml"
    path.write_text(
        "events:\n  - id: marriage\n    name: 结婚\n    intro: 要办的事：\n    topics: [marriage.register]\n    extra: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as error:
        load_life_events(path)
    problems = "\n".join(error.value.problems)
    assert "unknown keys ['extra']" in problems
    assert "no bundle for life event 'birth'" in problems


def test_bundle_problems_name_unknown_topics(catalog: Catalog) -> None:
    events = load_life_events()
    broken = {"marriage": events["marriage"].__class__("marriage", "结婚", "x", ("marriage.nowhere",))}
    assert bundle_problems(broken, catalog) == [
        "life event 'marriage': topic 'marriage.nowhere' is not in the knowledge base"
    ]


# --- pure wording and understanding ----------------------------------------------------


def test_guide_payload_leads_to_the_guide_action() -> None:
    assert guide_payload("passport.apply") == '/ask_service_guide{"service_item":"passport.apply"}'


def test_entry_reply_answers_the_asked_parts_in_order(catalog: Catalog) -> None:
    marriage = catalog.get("marriage.register")
    reply = entry_reply(marriage, ["where", "hours"])
    assert reply.index("办理地点") < reply.index("办理时间")
    assert entry_reply(marriage) == f"{marriage.answer}\n{ASPECT_HINT}"
    faq = catalog.get("hall.hours")
    assert entry_reply(faq) == faq.answer


def test_topics_come_from_service_items_or_single_guide_nouns(catalog: Catalog) -> None:
    named = tracker("护照怎么办", "ask_service_guide", entity("service_item", "passport.apply"))
    assert requested_topics(named, catalog) == ["passport.apply"]
    water = tracker("水费怎么交", "ask_service_guide", entity("bill_type", "water"))
    assert requested_topics(water, catalog) == ["utility.water_pay"]
    unknown = tracker("x", "ask_service_guide", entity("service_item", "nothing.here"))
    assert requested_topics(unknown, catalog) == []
    assert (
        requested_topics(
            tracker("公积金怎么取", "ask_service_guide", entity("bill_type", "housing_fund")), catalog
        )
        == []
    )


def test_aspects_come_from_entities_in_order_else_from_the_wording() -> None:
    both = tracker(
        "在哪办几点上班",
        "ask_service_guide",
        entity("guide_aspect", "where"),
        entity("guide_aspect", "hours"),
    )
    assert requested_aspects(both) == ["where", "hours"]
    assert requested_aspects(tracker("要多少钱")) == ["fee"]
    assert requested_aspects(tracker("护照怎么办")) == []
    assert requested_aspects(tracker("怎么办护照")) == []
    assert requested_aspects(tracker("那具体流程呢")) == ["steps"]
    assert requested_aspects(tracker('/ask_service_guide{"service_item":"passport.apply"}')) == []


def test_bare_sub_questions_are_follow_ups_and_named_topics_are_not() -> None:
    for text in ("要多少钱？", "那在哪办呢", "周六上班吗", "需要多长时间", "网上能办吗"):
        assert is_follow_up(text), text
    for text in ("证件丢了怎么办", "护照多少钱", "请问第一次办护照需要带哪些材料", ""):
        assert not is_follow_up(text), text


# --- guides and life events (catalog only, no encoder) ---------------------------------


async def test_a_named_service_gets_its_guide_tagged_with_its_id(catalog: Catalog) -> None:
    chat = Chat()
    reply = await chat.say(
        ActionServiceGuide(), "护照怎么办", "ask_service_guide", entity("service_item", "passport.apply")
    )
    assert kb_ids(reply) == ["passport.apply"]
    assert texts(reply).startswith(catalog.get("passport.apply").answer)
    assert chat.slots["guide_kb_id"] == "passport.apply"


async def test_the_asked_parts_and_a_follow_up_on_the_same_guide() -> None:
    chat = Chat()
    action = ActionServiceGuide()
    reply = await chat.say(
        action,
        "结婚登记在哪办几点上班",
        "ask_service_guide",
        entity("service_item", "marriage.register"),
        entity("guide_aspect", "where"),
        entity("guide_aspect", "hours"),
    )
    assert "办理地点" in texts(reply) and "办理时间" in texts(reply)
    materials = await chat.say(
        action,
        "办身份证要带什么",
        "ask_service_guide",
        entity("service_item", "id_card.apply_first"),
        entity("guide_aspect", "materials"),
    )
    assert "需要准备" in texts(materials) and kb_ids(materials) == ["id_card.apply_first"]
    fee = await chat.say(action, "要多少钱", "ask_service_guide", entity("guide_aspect", "fee"))
    assert kb_ids(fee) == ["id_card.apply_first"]
    assert "的费用" in texts(fee)


async def test_a_sub_question_with_nothing_discussed_asks_which_service() -> None:
    reply = await Chat().say(
        ActionServiceGuide(), "在哪办", "ask_service_guide", entity("guide_aspect", "where")
    )
    assert texts(reply) == WHICH_SERVICE_TEXT


async def test_the_menu_button_asks_what_to_do_and_offers_life_events() -> None:
    reply = await Chat().say(ActionServiceGuide(), "/ask_service_guide")
    assert texts(reply) == GUIDE_MENU_TEXT
    assert '/life_event{"life_event":"marriage"}' in payloads(reply)


async def test_a_life_event_offers_its_bundle_as_guide_choices() -> None:
    bundle = load_life_events()["birth"]
    reply = await Chat().say(ActionLifeEvent(), "孩子刚出生", "life_event", entity("life_event", "birth"))
    assert payloads(reply) == [guide_payload(topic) for topic in bundle.topics]
    assert texts(reply).startswith(bundle.intro)


async def test_several_or_no_life_events_offer_the_events() -> None:
    several = await Chat().say(
        ActionLifeEvent(),
        "结婚生子要办的事情",
        "life_event",
        entity("life_event", "marriage"),
        entity("life_event", "birth"),
    )
    assert payloads(several) == ['/life_event{"life_event":"marriage"}', '/life_event{"life_event":"birth"}']
    assert len(payloads(await Chat().say(ActionLifeEvent(), "人生大事办事指南", "life_event"))) == len(
        LIFE_EVENT_IDS
    )


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("我老伴上周走了，我不知道后面要办哪些手续", "bereavement"),
        ("我下个月就到退休年龄了，要办什么手续", "retirement"),
        ("厂子倒闭了我下岗了，现在该去办点啥", "unemployment"),
    ],
)
async def test_an_untagged_life_event_is_read_from_its_words(text: str, event: str) -> None:
    """The tagger missed the event's word, or tagged another word with no bundle: the bundle
    still comes, never the menu of all events."""
    bundle = load_life_events()[event]
    for entities in ((), (entity("life_event", "外地"),)):
        reply = await Chat().say(ActionLifeEvent(), text, "life_event", *entities)
        assert texts(reply).startswith(bundle.intro)
        assert payloads(reply) == [guide_payload(topic) for topic in bundle.topics]


@pytest.mark.usefixtures("retriever_ready")
async def test_a_hardship_read_as_off_topic_still_gets_its_services() -> None:
    bundle = load_life_events()["unemployment"]
    reply = await Chat().say(ActionFaqFallback(), "厂子倒闭了我下岗了，现在该去办点啥", "out_of_scope")
    assert texts(reply).startswith(bundle.intro)
    leaving = await Chat().say(ActionFaqFallback(), "我先走了，拜拜", "out_of_scope")
    assert "节哀" not in texts(leaving)


# --- the FAQ fallback (real retriever) -------------------------------------------------


@pytest.mark.usefixtures("retriever_ready")
async def test_fallback_answers_a_clear_question_with_its_entry() -> None:
    chat = Chat()
    reply = await chat.say(ActionFaqFallback(), "公积金怎么取", "nlu_fallback")
    assert kb_ids(reply) == ["housing_fund.withdraw"]
    assert chat.slots["guide_kb_id"] == "housing_fund.withdraw"


@pytest.mark.usefixtures("retriever_ready")
async def test_fallback_offers_choices_and_a_retyped_choice_is_answered() -> None:
    chat = Chat()
    reply = await chat.say(ActionFaqFallback(), "证件丢了怎么办", "nlu_fallback")
    assert texts(reply) == CLARIFY_TEXT
    offered = payloads(reply)
    assert 2 <= len(offered) <= 3
    assert guide_payload("id_card.replace_lost") in offered
    retyped = await chat.say(ActionFaqFallback(), "身份证丢了怎么补办", "nlu_fallback")
    assert kb_ids(retyped) == ["id_card.replace_lost"]


@pytest.mark.usefixtures("retriever_ready")
async def test_a_service_question_without_a_guide_says_so_and_offers_a_person() -> None:
    # A city matter the knowledge base has no entry for, not a sibling's guide or choices.
    reply = await Chat().say(ActionServiceGuide(), "无人机登记备案", "ask_service_guide")
    assert texts(reply) == NO_GUIDE_TEXT
    assert payloads(reply) == ["/human_handoff"]
    assert kb_ids(reply) == []
    assert reply[0]["custom"] == {"fallback": "unknown"}  # counts towards the handoff to an agent


@pytest.mark.usefixtures("retriever_ready")
async def test_fallback_admits_what_it_does_not_know() -> None:
    reply = await Chat().say(ActionFaqFallback(), "帮我写作业", "nlu_fallback")
    assert texts(reply) == UNKNOWN_TEXT
    assert payloads(reply) == ["/human_handoff"]
    assert kb_ids(reply) == []
    assert reply[0]["custom"] == {"fallback": "unknown"}  # counts towards the handoff to an agent


@pytest.mark.usefixtures("retriever_ready")
async def test_off_topic_keeps_the_out_of_scope_answer_unless_the_kb_knows() -> None:
    weather = await Chat().say(ActionFaqFallback(), "明天天气怎么样", "out_of_scope")
    assert weather[0]["text"] == OUT_OF_SCOPE_TEXT
    assert weather[0]["custom"] == {"fallback": "out_of_scope"}
    assert weather[1]["response"] == "utter_help"
    known = await Chat().say(ActionFaqFallback(), "政务大厅几点上班", "out_of_scope")
    assert kb_ids(known) == ["hall.hours"]


@pytest.mark.usefixtures("retriever_ready")
async def test_guide_question_without_a_recognised_item_asks_the_retriever() -> None:
    reply = await Chat().say(
        ActionServiceGuide(),
        "燃气泄漏怎么办",
        "ask_service_guide",
        entity("complaint_category", "gas_supply"),
    )
    assert kb_ids(reply) == ["utility.gas_safety"]


@pytest.mark.usefixtures("retriever_broken")
async def test_a_broken_knowledge_base_gets_a_polite_answer() -> None:
    reply = await Chat().say(ActionFaqFallback(), "公积金怎么取", "nlu_fallback")
    assert texts(reply) == KB_UNAVAILABLE_TEXT and "12345" in KB_UNAVAILABLE_TEXT
    off_topic = await Chat().say(ActionFaqFallback(), "明天天气怎么样", "out_of_scope")
    assert off_topic[0]["text"] == OUT_OF_SCOPE_TEXT
    guide = await Chat().say(
        ActionServiceGuide(), "护照怎么办", "ask_service_guide", entity("service_item", "passport.apply")
    )
    assert kb_ids(guide) == ["passport.apply"]
