"""What the assistant says from an entry: the short answer, or one part of a service guide.

A citizen who has just read a guide's short answer usually follows up on one detail ("要带
什么？", "几点上班？"); answering only that part keeps a chat message short enough to read
on a phone. `aspect_of` recognises such sub-questions; `render_entry` writes the reply.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge_base.catalog import Entry
from knowledge_base.config import DEMO_CITY_PATH
from knowledge_base.text import normalize

ASPECTS: tuple[str, ...] = ("materials", "steps", "where", "hours", "fee", "time_limit", "online", "who")

# Cues per aspect. Where two aspects match, the cue that comes first in the sentence wins
# ("网上能办吗，要带什么" asks about online first); for cues at the same place this order decides.
_CUES: dict[str, re.Pattern[str]] = {
    aspect: re.compile(pattern)
    for aspect, pattern in (
        ("online", r"网上|线上|网办|掌上|手机上|手机能|app|小程序|公众号|微信上|支付宝上|在家|不用跑|不跑"),
        ("hours", r"几点|上班|下班|开门|关门|营业|办公时间|工作时间|周末|周六|周日|星期[六天日]|节假日"),
        (
            "time_limit",
            r"多久|几天|多长时间|多少天|几个工作日|多快|时限|要等|什么时候能?(拿|取|领|出|办好|下来)|加急",
        ),
        ("fee", r"多少钱|收费|收钱|要钱|花钱|费用|工本费|免费|几块|价格|贵不贵|贵吗"),
        (
            "materials",
            r"带什么|带啥|带哪些|要带|材料|准备什么|准备啥|准备哪些|需要什么|需要啥|需要哪些|要什么证件|证件",
        ),
        ("where", r"在哪|哪里|哪儿|去哪|到哪|地址|什么地方|哪个窗口|哪个部门|地点|窗口在"),
        ("who", r"谁能|谁可以|哪些人|什么人|条件|符合|资格|能不能办|够不够"),
        (
            "steps",
            r"流程|步骤|程序|手续|怎么操作|具体怎么|怎么弄|咋弄|^(那|请问)?(要|该|应该)?(怎么|咋|如何)(办|办理|弄|搞|做)",
        ),
    )
}
_PRIORITY = {aspect: rank for rank, aspect in enumerate(_CUES)}


@dataclass(frozen=True)
class Hall:
    hall_id: str
    name: str
    address: str
    hours: str


def aspect_of(text: str) -> str | None:
    """The guide part a sub-question asks about, or None when it asks for nothing specific."""
    folded = normalize(text)
    found: list[tuple[int, int, str]] = []
    for aspect, cue in _CUES.items():
        match = cue.search(folded)
        if match:
            found.append((match.start(), _PRIORITY[aspect], aspect))
    return min(found)[2] if found else None


def render_entry(entry: Entry, aspect: str | None = None) -> str:
    """The short answer, or for a guide just the asked part; an FAQ (no guide) or an aspect the
    guide does not fill falls back to the short answer, which is never wrong, only longer."""
    guide = entry.guide
    if guide is None or aspect is None:
        return entry.answer
    topic = f"「{entry.question}」"
    halls = [hall for hall in (halls_by_id().get(hall_id) for hall_id in guide.halls) if hall]
    if aspect == "materials":
        return f"{topic}需要准备：\n{numbered(guide.materials)}"
    if aspect == "steps":
        return f"{topic}的办理步骤：\n{numbered(guide.steps)}"
    if aspect == "where":
        return f"{topic}的办理地点：{guide.where}" + _hall_list(halls)
    if aspect == "hours":
        return f"{topic}的办理时间：{guide.hours}"
    if aspect == "fee":
        return f"{topic}的费用：{guide.fee}"
    if aspect == "time_limit":
        return f"{topic}的办理时限：{guide.time_limit}"
    if aspect == "online":
        return f"{topic}的网上办理：{guide.online}"
    if aspect == "who" and guide.who:
        return f"{topic}的办理对象：{guide.who}"
    return entry.answer


def numbered(items: tuple[str, ...] | list[str]) -> str:
    return "\n".join(f"{number}. {item}" for number, item in enumerate(items, start=1))


def _hall_list(halls: list[Hall]) -> str:
    if not halls:
        return ""
    return "\n政务大厅：\n" + numbered([f"{hall.name}，{hall.address}，{hall.hours}" for hall in halls])


def halls_by_id(demo_city_path: Path = DEMO_CITY_PATH) -> dict[str, Hall]:
    """The government halls of the demo city by id (read once per process)."""
    return _load_halls(demo_city_path)


@lru_cache(maxsize=4)
def _load_halls(path: Path) -> dict[str, Hall]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        hall["hall_id"]: Hall(hall["hall_id"], hall["name"], hall.get("address", ""), hall.get("hours", ""))
        for hall in data.get("gov_halls", [])
    }
