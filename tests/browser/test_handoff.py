"""A web citizen asks for a person; the agent sees the chat in the console's queue, claims it
and answers, and the citizen's web chat shows the answer: two browsers, the whole stack."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bot.handoff.brain import CLAIMED_TEXT
from tests.browser.conftest import OpenPage, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

AGENT_ANSWER = "您好，我是人工客服。您的水费我来帮您查，请稍等。"


def citizen_says(page: Page, text: str) -> None:
    page.fill("#text", text)
    page.press("#text", "Enter")


def test_agent_claims_a_handed_off_web_chat_and_the_citizen_reads_the_answer(
    logged_in_agent: Page, open_page: OpenPage
) -> None:
    agent = logged_in_agent
    expect(agent.locator("#handoff-queue")).to_contain_text("暂无转人工的会话")  # the console is polling

    citizen = open_page("/")
    expect(citizen.locator(".msg.bot").first).to_contain_text("您好")
    citizen_says(citizen, "我要找人工客服")
    expect(citizen.locator(".msg.bot").last).to_contain_text("正在为您转接人工客服")
    browser_id = citizen.evaluate("localStorage.getItem('citizen-chat-id')")
    unique = f"我家水费突然翻倍了（{browser_id[:8]}）"
    citizen_says(citizen, unique)
    expect(citizen.locator(".msg.bot").last).to_contain_text("人工客服马上就来")

    row = agent.locator("#handoff-queue li", has_text=unique)
    expect(row).to_contain_text("等待接入")
    expect(agent.locator("#handoff-count")).not_to_have_text("0")
    row.locator("button.handoff-open").click()
    expect(agent.locator("#handoff-log")).to_contain_text("我要找人工客服")
    screenshot(agent, "agent-handoff-queue")

    agent.click("#handoff-claim")
    expect(agent.locator("#handoff-reply")).to_be_focused()
    expect(citizen.locator(".msg.system").last).to_have_text(CLAIMED_TEXT)
    agent.fill("#handoff-reply", AGENT_ANSWER)
    agent.press("#handoff-reply", "Enter")
    expect(agent.locator("#handoff-log li.from-agent").last).to_contain_text(AGENT_ANSWER)

    expect(citizen.locator(".msg.agent").last).to_contain_text(AGENT_ANSWER)
    expect(citizen.locator(".msg.agent .who").last).to_have_text("人工客服")
    screenshot(citizen, "citizen-handoff-answer")

    citizen_says(citizen, "好的，谢谢您")
    expect(agent.locator("#handoff-log li.from-citizen").last).to_have_text("市民好的，谢谢您")
    screenshot(agent, "agent-handoff-chat")

    agent.click("#handoff-close")
    expect(citizen.locator(".msg.system").last).to_contain_text("智能助手继续为您服务")
    expect(agent.locator("#handoff-title")).to_contain_text("已结束")
