"""Long, rambling training messages composed from the short ones of the same category.

Real mayor-mailbox and 12345 messages run to 200-300 characters: a greeting, who and where
the writer is, two or three grievances of the same kind, emotion and repeated asks. Most
hand-written examples are shorter, so the classifier would learn from short texts and be
asked about long ones. Composing several same-category examples inside category-neutral
framing teaches it that the framing carries no signal and that several weak cues add up.
It is deterministic (seeded) and part of training, so cross-validation composes only from
each fold's training part.
"""

from __future__ import annotations

import random
from collections import defaultdict

from complaint_router.dataset import Example

GREETINGS = (
    "尊敬的领导：您好！",
    "市长您好，",
    "领导好，",
    "你好，",
    "您好！",
    "各位领导：",
    "",
    "",
)
INTRODUCTIONS = (
    "我是{place}的居民，",
    "我家住在{place}，",
    "我是住在{place}附近的一名普通市民，",
    "本人在{place}上班，",
    "我们是{place}的几户住户，",
    "我想反映一下{place}的情况，",
    "",
)
PLACES = (
    "城东区建设路",
    "城西区胜利街",
    "高新区科技路",
    "经开区工业大道",
    "河口镇新街村",
    "青石街道幸福里",
    "南湖区朝阳路",
    "老城区东门口",
    "开发区金桥路",
    "西湖乡大王村",
)
CONNECTORS = ("另外，", "还有，", "再一个，", "而且", "更过分的是，", "除此之外，", "同时", "")
FEELINGS = (
    "这个问题已经持续很长时间了，",
    "我们反映过好几次了都没有结果，",
    "真的是忍无可忍了，",
    "大家意见都很大，",
    "我们老百姓真的很无奈，",
    "打了好几次电话都没用，",
    "",
)
ASKS = (
    "请有关部门尽快处理，谢谢！",
    "希望领导重视，给我们一个答复。",
    "恳请政府管一管！",
    "盼回复，谢谢。",
    "希望能尽快解决，不要再拖了。",
    "请相关部门核实处理。",
    "",
)


def compose_long(examples: list[Example], per_category: int, seed: int = 0) -> list[Example]:
    """`per_category` composed messages per category (fewer when it has under two examples)."""
    generator = random.Random(seed)
    by_category: dict[str, list[str]] = defaultdict(list)
    for example in examples:
        by_category[example.category].append(example.text.rstrip("。！!？?，, "))
    composed = []
    for category in sorted(by_category):
        texts = by_category[category]
        if len(texts) < 2:
            continue
        for _ in range(per_category):
            parts = generator.sample(texts, k=min(len(texts), generator.choice((2, 2, 3))))
            body = parts[0] + "。"
            for part in parts[1:]:
                body += generator.choice(CONNECTORS) + part + "。"
            place = generator.choice(PLACES)
            text = (
                generator.choice(GREETINGS)
                + generator.choice(INTRODUCTIONS).format(place=place)
                + body
                + generator.choice(FEELINGS)
                + generator.choice(ASKS)
            )
            composed.append(Example(text, category))
    return composed
