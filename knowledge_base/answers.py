"""What the assistant says from an entry: the short answer, or one part of a service guide.

A citizen who has just read a guide's short answer usually follows up on one detail ("要带
什么？", "几点上班？"); answering only that part keeps a chat message short enough to read
on a phone. `aspect_of` recognises such sub-questions; `render_entry` writes the reply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from knowledge_base.catalog import HALLS_FILE, Entry
from knowledge_base.config import DEFAULT_CONTENT_DIR
from knowledge_base.halls import Hall, load_halls
from knowledge_base.text import normalize

__all__ = ["ASPECTS", "Hall", "aspect_of", "halls_by_id", "numbered", "render_entry"]

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


def aspect_of(text: str) -> str | None:
    """The guide part a sub-question asks about, or None when it asks for nothing specific."""
    folded = normalize(text)
    found: list[tuple[int, int, str]] = []
    for aspect, cue in _CUES.items():
        match = cue.search(folded)
        if match:
            found.append((match.start(), _PRIORITY[aspect], aspect))
    return min(found)[2] if found else None


def render_entry(entry: Entry, aspect: str | None = None, halls: Mapping[str, Hall] | None = None) -> str:
    """The short answer, or for a guide just the asked part; an FAQ (no guide) or an aspect the
    guide does not fill falls back to the short answer, which is never wrong, only longer.

    `halls` defaults to the halls of the content directory the entry was loaded from."""
    guide = entry.guide
    if guide is None or aspect is None:
        return entry.answer
    topic = f"「{entry.question}」"
    known = halls if halls is not None else _halls_of(entry)
    halls_named = [hall for hall in (known.get(hall_id) for hall_id in guide.halls) if hall]
    if aspect == "materials":
        return f"{topic}需要准备：\n{numbered(guide.materials)}"
    if aspect == "steps":
        return f"{topic}的办理步骤：\n{numbered(guide.steps)}"
    if aspect == "where":
        return f"{topic}的办理地点：{guide.where}" + _hall_list(halls_named)
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


def halls_by_id(content_dir: Path = DEFAULT_CONTENT_DIR) -> dict[str, Hall]:
    """The government halls of a content directory by id (read once per process)."""
    return load_halls(content_dir)


def _halls_of(entry: Entry) -> dict[str, Hall]:
    """The halls beside the entry's own file, so another content set brings its own halls;
    an entry built in code (no such file) uses the shipped content's."""
    own_dir = entry.source.parent
    return load_halls(own_dir) if (own_dir / HALLS_FILE).is_file() else halls_by_id()
