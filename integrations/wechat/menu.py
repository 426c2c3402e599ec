"""The account's custom menu: what WeChat shows (`button`) and what each CLICK key means (`clicks`).

One file holds both, so the installed menu and the channel's key-to-intent mapping cannot
drift apart; `load_menu` refuses a file WeChat would reject or whose keys have no meaning.
A click is handed to the brain as what the citizen would have typed. The shipped phrases are
training examples of the intended intents; Rasa "/intent" payloads would be stricter, but the
brain treats a payload it did not offer as plain text (so a citizen cannot inject intents).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MENU_PATH = Path(__file__).with_name("menu.json")
# WeChat's limits: 3 top-level buttons of at most 16 bytes, 5 sub-buttons of at most 60 bytes.
MAX_TOP_LEVEL, MAX_SUB_BUTTONS = 3, 5
MAX_TOP_NAME_BYTES, MAX_SUB_NAME_BYTES, MAX_KEY_BYTES = 16, 60, 128


class MenuError(ValueError):
    pass


@dataclass(frozen=True)
class Menu:
    buttons: list[dict[str, Any]]
    clicks: dict[str, str]

    def definition(self) -> dict[str, Any]:
        """The body of WeChat's menu/create call."""
        return {"button": self.buttons}

    def utterance(self, key: str) -> str | None:
        """What the citizen "said" by clicking `key`."""
        return self.clicks.get(key)


def _click_keys(buttons: list[dict[str, Any]], top_level: bool) -> list[str]:
    limit = MAX_TOP_LEVEL if top_level else MAX_SUB_BUTTONS
    if not 1 <= len(buttons) <= limit:
        raise MenuError(f"between 1 and {limit} buttons allowed, got {len(buttons)}")
    keys: list[str] = []
    for button in buttons:
        name = button.get("name", "")
        if not name or len(name.encode()) > (MAX_TOP_NAME_BYTES if top_level else MAX_SUB_NAME_BYTES):
            raise MenuError(f"button name {name!r} is empty or too long")
        if "sub_button" in button:
            if not top_level:
                raise MenuError("sub-menus cannot nest")
            keys.extend(_click_keys(button["sub_button"], top_level=False))
        elif button.get("type") == "click":
            key = button.get("key", "")
            if not key or len(key.encode()) > MAX_KEY_BYTES:
                raise MenuError(f"button {name!r} needs a key of at most {MAX_KEY_BYTES} bytes")
            keys.append(key)
        elif button.get("type") == "view":
            if not button.get("url"):
                raise MenuError(f"view button {name!r} needs a url")
        else:
            raise MenuError(f"button {name!r} has unsupported type {button.get('type')!r}")
    return keys


def load_menu(path: Path = MENU_PATH) -> Menu:
    data = json.loads(path.read_text(encoding="utf-8"))
    buttons, clicks = data.get("button", []), data.get("clicks", {})
    unmapped = set(_click_keys(buttons, top_level=True)) - set(clicks)
    if unmapped:
        raise MenuError(f"click keys without an utterance: {sorted(unmapped)}")
    return Menu(buttons=buttons, clicks=clicks)
