"""The 12345 centre's page (/ops) in headless Chromium against the whole stack: the supervisor
logs in, reads the scorecard (the figures the API gives, the charts drawn by ECharts), the
unanswered-question groups and the hotspots; a plain agent is refused. Screenshots of each
view at 1366x768 land in test-artifacts/screenshots/ (ops-*.png)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bot.routes.ops_hotspots import SUPERVISOR_REQUIRED
from scripts.stack import Stack
from tests.browser.conftest import OpenPage, fill_login, screenshot, submit_login
from tests.conftest import StackAgent
from tests.e2e.chat import WebCitizen
from tests.e2e.test_hotspots import REPORTS, report

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
UNKNOWN_QUESTION = "无人机飞行要去哪里报备"
SMOKE = REPORTS[1:]


def log_in(page: Page, agent: StackAgent) -> list[str]:
    """Logs in on the /ops form; returns the list the page's console errors are collected in
    (a script refused by the CSP, an exception in the page)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    expect(page.locator("#login")).to_be_visible()
    fill_login(page, agent.user, agent.password)
    submit_login(page)
    return errors


def test_supervisor_reads_every_view(open_page: OpenPage, stack: Stack, stack_agent: StackAgent) -> None:
    WebCitizen(stack.gateway_url).say_text(UNKNOWN_QUESTION)
    for text in SMOKE:
        report(WebCitizen(stack.gateway_url), text)
    page = open_page("/ops")
    screenshot(page, "ops-login")
    errors = log_in(page, stack_agent)

    expect(page.locator("#board")).to_have_attribute("data-loaded", "scorecard")
    expect(page.locator("#who")).to_have_text(f"督办：{stack_agent.user}")
    card = page.request.get(
        f"/api/ops/scorecard?from={page.input_value('#from')}&to={page.input_value('#to')}"
    ).json()
    expect(page.locator(".kpi .kpi-value").first).to_have_text(str(card["channels"]["all"]["conversations"]))
    first_row = page.locator("#channels-table tbody tr").first.locator("td")
    expect(first_row).to_have_text(
        [
            "会话数",
            *(str(card["channels"][name]["conversations"]) for name in ("web", "wechat", "alipay", "all")),
        ]
    )
    expect(page.locator("#chart-trend canvas")).to_have_count(1)
    expect(page.locator("#chart-categories canvas")).to_have_count(1)
    expect(page.locator("#categories-table")).to_contain_text("环境")
    assert "/api/ops/scorecard.csv?from=" in (page.get_attribute("a[data-csv=scorecard]", "href") or "")
    screenshot(page, "ops-scorecard")

    page.click("#tab-unanswered")
    expect(page.locator("#board")).to_have_attribute("data-loaded", "unanswered")
    group = page.locator(".cluster", has_text=UNKNOWN_QUESTION).first
    expect(group).to_be_visible()
    expect(group.locator(".advice")).to_contain_text("建议")
    screenshot(page, "ops-unanswered")

    page.click("#tab-hotspots")
    expect(page.locator("#board")).to_have_attribute("data-loaded", "hotspots")
    expect(page.locator("#hotspots-table tbody")).to_contain_text("海滨北路")
    screenshot(page, "ops-hotspots")

    assert errors == [], errors


def test_a_plain_agent_is_refused(open_page: OpenPage, stack_plain_agent: StackAgent) -> None:
    page = open_page("/ops")
    log_in(page, stack_plain_agent)
    expect(page.locator("#login-error")).to_have_text(SUPERVISOR_REQUIRED)
    expect(page.locator("#board")).to_be_hidden()
    screenshot(page, "ops-refused")
