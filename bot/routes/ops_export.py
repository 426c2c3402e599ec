"""CSV exports of every table of the /ops page, supervisors only: `GET /api/ops/<table>.csv`
with the same query as the JSON it comes from (scorecard, trend, categories, unanswered,
marked-wrong: `from`/`to`; hotspots: `days`).

UTF-8 with a byte-order mark, so Excel opens the Chinese right; headers in Chinese; personal
data masked as in the views (the rows are the views' own). A cell starting with = + - @ is
prefixed with ' so a spreadsheet never runs a citizen's words as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from bot.routes.agent import AgentDepartments, AgentRoute
from bot.routes.ops_hotspots import HotspotDays, Supervisor, hotspot_rows
from bot.routes.ops_scorecard import ChosenPeriod, scorecard_body
from bot.routes.ops_unanswered import marked_wrong_body, unanswered_body
from common.time_words import CITY_TIMEZONE

router = APIRouter(route_class=AgentRoute)
BOM = "\ufeff"
CHANNEL_NAMES = {
    "web": "网页",
    "wechat": "微信",
    "alipay": "支付宝",
    "other": "其他",
    "all": "合计",
    "agent": "坐席",
}
REASON_NAMES = {
    "not_understood": "没听懂",
    "unknown": "知识库没有",
    "out_of_scope": "超出服务范围",
    "clarify_declined": "给了选项但都没选",
    "agent_marked_wrong": "坐席标记答错",
}
SUGGESTION_NAMES = {"add_phrasings": "加为已有条目的问法", "new_entry": "需要新建条目"}
FIGURE_COLUMNS = (
    ("conversations", "会话数"),
    ("messages", "市民消息数"),
    ("containment", "无需人工占比"),
    ("handoffs", "转人工"),
    ("handoffs_requested", "其中市民要求"),
    ("handoffs_bot_failed", "其中连续没答上"),
    ("fallback_rate", "没答上比例"),
    ("clarifications", "追问选项次数"),
    ("clarifications_first_choice", "选了第一项"),
    ("first_choice_rate", "第一项选中率"),
    ("tickets", "投诉工单"),
    ("bookings", "预约"),
    ("payments", "缴费"),
    ("notices_sent", "已发通知"),
    ("median_reply_ms", "回复时间中位数（毫秒）"),
)


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return Response(
        BOM + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _city_time(value: str | None) -> str:
    """A stored UTC time as the city reads it (UTC+8), to the minute."""
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(CITY_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def _named(mapping: dict[str, str], counts: dict[str, int]) -> str:
    return "；".join(f"{mapping.get(key, key)} {count}" for key, count in counts.items())


@router.get("/api/ops/scorecard.csv")
async def scorecard_csv(
    request: Request, _supervisor: Supervisor, registry: AgentDepartments, period: ChosenPeriod
) -> Response:
    body = await scorecard_body(request, registry, period)
    rows = [
        [CHANNEL_NAMES.get(channel, channel), *(figures[key] for key, _ in FIGURE_COLUMNS)]
        for channel, figures in body["channels"].items()
    ]
    return csv_response("scorecard", ["渠道", *(title for _, title in FIGURE_COLUMNS)], rows)


@router.get("/api/ops/trend.csv")
async def trend_csv(
    request: Request, _supervisor: Supervisor, registry: AgentDepartments, period: ChosenPeriod
) -> Response:
    body = await scorecard_body(request, registry, period)
    rows = [[day["date"], *(day[key] for key, _ in FIGURE_COLUMNS)] for day in body["days"]]
    return csv_response("trend", ["日期", *(title for _, title in FIGURE_COLUMNS)], rows)


@router.get("/api/ops/categories.csv")
async def categories_csv(
    request: Request, _supervisor: Supervisor, registry: AgentDepartments, period: ChosenPeriod
) -> Response:
    body = await scorecard_body(request, registry, period)
    rows = [[row["name"], row["category"], row["count"]] for row in body["ticket_categories"]]
    return csv_response("ticket-categories", ["投诉类别", "类别代码", "工单数"], rows)


@router.get("/api/ops/unanswered.csv")
async def unanswered_csv(request: Request, _supervisor: Supervisor, period: ChosenPeriod) -> Response:
    body = await unanswered_body(request, period)
    rows = [
        [
            cluster["id"],
            cluster["count"],
            " | ".join(cluster["examples"]),
            _named(REASON_NAMES, cluster["reasons"]),
            _named(CHANNEL_NAMES, cluster["channels"]),
            SUGGESTION_NAMES[cluster["suggestion"]],
            cluster["entry_id"],
            cluster["entry_question"],
            cluster["entry_score"],
        ]
        for cluster in body["clusters"]
    ]
    header = ["编号", "问题数", "示例", "原因", "渠道", "建议", "最近条目", "最近条目的问题", "相似度"]
    return csv_response("unanswered", header, rows)


@router.get("/api/ops/marked-wrong.csv")
async def marked_wrong_csv(request: Request, _supervisor: Supervisor, period: ChosenPeriod) -> Response:
    found = await marked_wrong_body(request, period)
    rows = [[_city_time(row["at"]), row["agent"], row["text"], row["suggestion_id"]] for row in found]
    return csv_response("marked-wrong", ["时间", "坐席", "来电内容", "被标错的建议"], rows)


@router.get("/api/ops/hotspots.csv")
async def hotspots_csv(
    request: Request, _supervisor: Supervisor, registry: AgentDepartments, days: HotspotDays = None
) -> Response:
    rows = [
        [
            row["title"],
            row.get("category_name") or row["category"],
            row.get("department", ""),
            row["place"],
            row["count"],
            row["heat"],
            _city_time(row.get("first_at")),
            _city_time(row.get("last_at")),
            "；".join(row["ticket_ids"]),
        ]
        for row in await hotspot_rows(request, registry, days)
    ]
    header = ["热点", "类别", "承办部门", "地点", "工单数", "热度", "最早", "最近", "工单号"]
    return csv_response("hotspots", header, rows)
