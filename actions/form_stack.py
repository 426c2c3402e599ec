"""Forms interrupted by another form, and taking them up again where they were.

Rasa keeps one active loop. A side request that needs a form of its own replaces the form in
progress: "我的预约" in the middle of a booking starts the listing, which asks for the SMS code
(the verification form); a bill question while the code is awaited starts the bill form. The
tracker's active_loop events still tell a form that was replaced (another form became active
over it) from one that ended (the loop was set to none), so the stack of interrupted forms is
read from them rather than kept in a slot of its own. When the side task is done, or the citizen
stops it, the form below is taken up again: a short lead ("接着刚才的预约。"), then the form asks
the question it was waiting on, with every answer given before.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

RESUMED = {
    "appointment_form": "接着刚才的预约。",
    "complaint_form": "接着刚才的投诉。",
    "bill_form": "接着刚才查账单。",
    "bind_form": "接着刚才绑定户号。",
    "verification_form": "接着刚才的身份验证。",
}
"""The lead said before a form asks its question again; it also marks the turn as a resumption
(`is_resuming`). Forms not named here (listing, cancelling) ask nothing, so are never resumed."""
STOPPED = {
    "appointment_form": "好的，不约了，没有帮您预约。",
    "complaint_form": "好的，这件事先不投诉了。",
    "bill_form": "好的，不查了。",
    "bind_form": "好的，不绑定了。",
    "verification_form": "好的，不验证了。",
}
"""What stopping a form says when the dialogue goes straight on (to the form below, or to what
the citizen asked instead), so it asks no "还有别的事吗" of its own."""
# Actions after which nothing comes back: the citizen stopped by a rule, or a new session began.
_CLEARING_ACTIONS = frozenset({"action_deactivate_loop", "action_session_start", "action_restart"})


def interrupted_forms(events: Iterable[dict[str, Any]]) -> list[str]:
    """The forms replaced by another form and not finished since, the most recent last."""
    stack: list[str] = []
    current: str | None = None
    for event in events:
        kind = event.get("event")
        if kind in ("restart", "session_started"):
            stack.clear()
            current = None
        elif kind == "action" and event.get("name") in _CLEARING_ACTIONS:
            stack.clear()
        elif kind == "active_loop":
            name = event.get("name")
            if name == current:
                continue
            if name is not None and name in stack:
                stack.remove(name)  # taken up again
            if current is not None and name is not None and current in RESUMED:
                stack.append(current)
            current = name
    return stack


def resume_interrupted(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """Takes up the most recently interrupted form, when there is one: the lead, then the form
    (which asks its pending question). Called where a side task ends or is stopped."""
    stack = interrupted_forms(tracker.events)
    if not stack:
        return []
    form = stack[-1]
    dispatcher.utter_message(text=RESUMED[form])
    return [FollowupAction(form)]


A = TypeVar("A", bound=Action)
Run = Callable[[A, CollectingDispatcher, Tracker, DomainDict], Awaitable[list[dict[str, Any]]]]


def resumes_after(run: Run[A]) -> Run[A]:
    """For the `run` of an action that finishes a task (answers the bill, files the ticket):
    once it has answered, the form the task interrupted is taken up again. Not when the action
    goes on to another step itself (the verification it needs)."""

    @functools.wraps(run)
    async def finished(
        self: A, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        events = await run(self, dispatcher, tracker, domain)
        if any(event.get("event") == "followup" for event in events):
            return events
        return [*events, *resume_interrupted(dispatcher, tracker)]

    return finished


def is_resuming(tracker: Tracker, form: str) -> bool:
    """This run of `form` takes it up again (`resume_interrupted` said its lead this turn), so
    the latest message belongs to the side task and is not read as an answer to the form."""
    if form not in RESUMED:
        return False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return False
        if kind == "bot":
            return event.get("text") == RESUMED[form]
    return False


def started_this_turn(tracker: Tracker) -> bool:
    """A form began or ended since the latest message: the form running now was started by this
    very message (a stop with another request, "算了，我要投诉另一个事：…", ended the old run and
    started this one), so the message is its first, not one to leave it for."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return False
        if kind == "active_loop":
            return True
    return False


def end_form(tracker: Tracker) -> list[dict[str, Any]]:
    """Events with which a form's validation ends the form itself: the open question stays
    unanswered (a slot set, so Rasa does not take the turn for a failed extraction), and no slot
    is requested (so the form deactivates)."""
    requested = tracker.get_slot("requested_slot")
    events = [SlotSet(requested, None)] if requested else []
    return [*events, SlotSet("requested_slot", None)]
