"""Which category a complaint belongs to, inferred from the citizen's own words.

The learned complaint router (`complaint_router`, trained on labelled tickets) ranks the
categories the ticket system publishes; keyword and example matching breaks its ties and
orders what it does not know (a category a city added after the model was trained). The
citizen always confirms the result and is offered the next two when it is wrong.
"""

from __future__ import annotations

from complaint_router.router import shared_router
from departments.complaints import ComplaintCategory

EVERYDAY_WORDS = {
    "urban_construction": (
        "物业",
        "电梯",
        "违建",
        "搭建",
        "路面",
        "大坑",
        "施工",
        "工地",
        "装修",
        "噪音",
        "吵",
        "路灯",
        "井盖",
        "占道",
    ),
    "environment": ("油烟", "烧烤", "污水", "排污", "垃圾", "焚烧", "臭", "污染", "粉尘", "黑烟"),
    "transport": ("公交", "出租车", "打车", "拒载", "拥堵", "堵车", "停车", "乱停"),
    "education": ("学校", "入学", "上学", "培训", "幼儿园", "老师", "学费"),
    "labor_social_security": ("工资", "欠薪", "讨薪", "劳动合同", "社保", "养老金", "加班费"),
    "commerce_tourism": (
        "商家",
        "超市",
        "价格",
        "欺诈",
        "缺斤少两",
        "预付卡",
        "景区",
        "退款",
        "健身房",
        "宰客",
    ),
    "health": ("医院", "医疗", "医生", "护士", "疫苗", "看病"),
    "water_supply": ("停水", "水质", "水压", "水表", "自来水"),
    "power_supply": ("停电", "电压", "电表", "跳闸"),
    "gas_supply": ("燃气", "煤气", "停气", "天然气"),
}
ENTITY_BONUS = 10
TAGGED_PROBABILITY_BONUS = 0.25


def _bigrams(word: str) -> set[str]:
    return {word[index : index + 2] for index in range(len(word) - 1)}


def category_score(text: str, category: ComplaintCategory) -> int:
    """Whole examples and everyday words count by their length; a shared two-character piece
    of an example ("油烟" of "油烟扰民") counts one."""
    words = (*category.examples, *EVERYDAY_WORDS.get(category.category, ()))
    score = sum(len(word) for word in words if word in text)
    score += sum(1 for example in category.examples for piece in _bigrams(example) if piece in text)
    return score


def keyword_rank(
    text: str, categories: list[ComplaintCategory], tagged: list[str] | None = None
) -> list[ComplaintCategory]:
    """Categories whose words the text contains, best first; ties keep the ticket system's
    order. A category NLU tagged in the message gets a bonus."""
    scored = []
    for position, category in enumerate(categories):
        score = category_score(text, category) + (ENTITY_BONUS if category.category in (tagged or []) else 0)
        if score > 0:
            scored.append((-score, position, category))
    return [category for _, _, category in sorted(scored, key=lambda item: item[:2])]


def rank_categories(
    text: str, categories: list[ComplaintCategory], tagged: list[str] | None = None
) -> list[ComplaintCategory]:
    """The published categories, most likely first by the router's probability (a category
    NLU tagged in the message gets a bonus), then by keyword matches, then in the ticket
    system's order."""
    if not text.strip():
        return keyword_rank(text, categories, tagged)
    probabilities = shared_router().probabilities(text)
    keyword_order = {
        category.category: index for index, category in enumerate(keyword_rank(text, categories))
    }

    def key(item: tuple[int, ComplaintCategory]) -> tuple[float, int, int]:
        position, category = item
        probability = probabilities.get(category.category, 0.0)
        if category.category in (tagged or []):
            probability += TAGGED_PROBABILITY_BONUS
        return (-probability, keyword_order.get(category.category, len(categories)), position)

    return [category for _, category in sorted(enumerate(categories), key=key)]
