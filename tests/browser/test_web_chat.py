"""The citizen's web chat on a phone-sized screen, as an elderly citizen uses it: the reply's
choices in view, no words the citizen never typed, old choices retired, status lines legible."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenPage, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
PHONE = {"width": 390, "height": 700}


def phone_chat(open_page: OpenPage) -> Page:
    page = open_page("/")
    page.set_viewport_size(PHONE)
    expect(page.locator(".msg.bot").first).to_contain_text("您好")
    return page


def say(page: Page, text: str) -> None:
    count = page.locator(".msg.bot").count()
    page.fill("#text", text)
    page.press("#text", "Enter")
    expect(page.locator(".msg.bot")).not_to_have_count(count)


def in_view(page: Page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => {
            const log = document.getElementById("log").getBoundingClientRect();
            const box = document.querySelector(selector).getBoundingClientRect();
            return box.top >= log.top - 1 && box.bottom <= log.bottom + 1;
        }""",
        selector,
    )


def test_the_page_opens_without_words_the_citizen_never_typed(open_page: OpenPage) -> None:
    page = phone_chat(open_page)
    expect(page.locator(".msg.user")).to_have_count(0)
    expect(page.locator(".hotline")).to_be_visible()
    screenshot(page, "web-chat-phone-opened")


def test_choices_are_in_view_and_earlier_ones_are_retired(open_page: OpenPage) -> None:
    page = phone_chat(open_page)
    say(page, "查账单")
    last_choice = ".msg.bot:last-child .choices button:last-child"
    expect(page.locator(last_choice)).to_be_visible()
    assert in_view(page, last_choice), "the newest choices must not land below the fold"
    screenshot(page, "web-chat-phone-choices")

    say(page, "我要投诉")
    stale = page.locator(".choices.stale button").first
    expect(stale).to_be_disabled()


def test_status_lines_are_as_legible_as_the_replies(open_page: OpenPage) -> None:
    page = phone_chat(open_page)
    color = page.evaluate(
        """() => {
            const line = document.createElement("div");
            line.className = "msg bot system";
            document.getElementById("log").appendChild(line);
            return getComputedStyle(line).color;
        }"""
    )
    red, green, blue = (int(part) for part in color.removeprefix("rgb(").rstrip(")").split(",")[:3])
    assert max(red, green, blue) < 80, f"status text too faint: {color}"
