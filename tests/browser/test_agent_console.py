"""The hotline agent console in a real browser against the whole stack: login, live suggestions
while a caller talks, copying an answer out, filing a ticket from the caller's words, and the
screenshots reviewers look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from bot.routes.agent import GUIDE_PARTS, LOGIN_FAILED
from knowledge_base.answers import render_entry
from knowledge_base.catalog import load_catalog
from knowledge_base.config import RetrieverConfig
from tests.browser.conftest import fill_login, screenshot, submit_login
from tests.conftest import StackAgent

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

LOST_ID_CARD_QUESTION = "我身份证丢了，要怎么补办？"
LOST_ID_CARD_ENTRY = "id_card.replace_lost"
BARBECUE_COMPLAINT = "小区门口烧烤店油烟太大，晚上还很吵"
CALLER_PHONE = "13912345678"


def clipboard(page: Page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def test_wrong_password_shows_the_chinese_error(agent_page: Page, stack_agent: StackAgent) -> None:
    fill_login(agent_page, stack_agent.user, stack_agent.password + "x")
    submit_login(agent_page)

    expect(agent_page.locator("#login-error")).to_have_text(LOGIN_FAILED)
    expect(agent_page.locator("#console")).to_be_hidden()
    expect(agent_page.locator("#password")).to_have_value("")


def test_caller_question_suggests_the_guide_with_its_parts(agent_page: Page, stack_agent: StackAgent) -> None:
    entry = load_catalog(RetrieverConfig.from_env().content_dir).get(LOST_ID_CARD_ENTRY)
    expect(agent_page.locator("#login")).to_be_visible()
    fill_login(agent_page, stack_agent.user, stack_agent.password)
    screenshot(agent_page, "agent-login")
    submit_login(agent_page)
    expect(agent_page.locator("#who")).to_have_text(f"坐席：{stack_agent.user}")

    with agent_page.expect_response("**/api/agent/suggest") as response_info:
        agent_page.fill("#text", LOST_ID_CARD_QUESTION)
    suggested = response_info.value.json()["suggestions"][0]

    first = agent_page.locator("#suggestions .card").first
    expect(first.locator("h3")).to_have_text(entry.question)
    expect(first.locator(".meta")).to_have_text(
        f"办事指南 · 编号 {LOST_ID_CARD_ENTRY} · 得分 {suggested['score']:.2f}"
    )
    expect(first.locator(".answer")).to_have_text(entry.answer)
    parts = first.locator(".part")
    expect(parts).to_have_text([render_entry(entry, aspect) for aspect in GUIDE_PARTS])
    for index in range(len(GUIDE_PARTS)):
        expect(parts.nth(index)).to_be_visible()
    expect(agent_page.locator("#nlu .tag").first).to_have_text(re.compile(r"^\w+（\d+%）$"))

    first.get_by_role("button", name="复制答案").click()
    expect(agent_page.locator("#status")).to_have_text("已复制答案。")
    assert clipboard(agent_page) == entry.answer
    first.get_by_role("button", name="复制费用").click()
    expect(agent_page.locator("#status")).to_have_text("已复制费用。")
    assert clipboard(agent_page) == render_entry(entry, "fee")

    helpful = first.get_by_role("button", name="有用")
    helpful.click()
    expect(helpful).to_have_attribute("aria-pressed", "true")
    screenshot(agent_page, "agent-suggestions")


def test_complaint_call_opens_a_prefilled_ticket_form_and_files_it(logged_in_agent: Page) -> None:
    page = logged_in_agent
    page.fill("#text", BARBECUE_COMPLAINT)
    page.click('[data-action="open_complaint"]')

    expect(page.locator("#action-panel")).to_be_visible()
    expect(page.locator("#complaint-form")).to_be_visible()
    expect(page.locator("#complaint-content")).to_have_value(BARBECUE_COMPLAINT)
    expect(page.locator("#complaint-category")).to_have_value("environment")
    expect(page.locator("#complaint-category option:checked")).to_have_text("环境保护（市生态环境局）")
    page.fill("#complaint-phone", CALLER_PHONE)
    page.click("#complaint-form button[type=submit]")

    result = page.locator("#complaint-result")
    expect(result.locator(".ticket-id")).to_have_text(re.compile(r"^12345-\d{8}-\d{4}$"))
    expect(result).to_contain_text("已转市生态环境局")
    expect(page.locator("#complaint-form button[type=submit]")).to_be_disabled()
    screenshot(page, "agent-complaint")
