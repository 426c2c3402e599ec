"""Browser fixtures: Debian's Chromium driven by Playwright against the real stack.

Each test gets fresh browser contexts (separate cookies and storage, so an agent's console and
a citizen's web chat can run side by side in one test) and saves its screenshots to
`test-artifacts/screenshots/` (TEST_ARTIFACTS_DIR moves the artifacts elsewhere). A failed test
also leaves a screenshot of every page it had open, so a CI failure can be looked at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from scripts.stack import Stack
from tests.conftest import StackAgent

REPO_ROOT = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1366, "height": 768}
# Flags a closed network needs: without the background-networking ones Chromium's own
# connections (updates, sync, field trials) are refused and slow every start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
UI_TIMEOUT_MS = 60_000

OpenPage = Callable[[str], Page]


def screenshots_dir() -> Path:
    root = Path(os.environ.get("TEST_ARTIFACTS_DIR", str(REPO_ROOT / "test-artifacts")))
    directory = root / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def screenshot(page: Page, name: str) -> Path:
    """Saves the whole page as `<name>.png` among the test artifacts."""
    path = screenshots_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keeps each phase's report on the test, so fixtures can tell at teardown that it failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def browser() -> Iterator[Browser]:
    """One Chromium per test (about a second to start): while Playwright's sync API is started,
    its event loop counts as running, and every pytest-asyncio test run meanwhile would fail."""
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.access(executable, os.X_OK):
        pytest.fail(f"No Chromium at {executable}: run scripts/install_browser.sh or set CHROMIUM_PATH.")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser: Browser, stack: Stack, request: pytest.FixtureRequest) -> Iterator[OpenPage]:
    """Opens a stack path (e.g. "/agent" or "/") in a new context of its own: one per person."""
    contexts: list[BrowserContext] = []

    def open_path(path: str) -> Page:
        context = browser.new_context(
            base_url=stack.gateway_url,
            viewport=VIEWPORT,
            locale="zh-CN",
            permissions=["clipboard-read", "clipboard-write"],
        )
        context.set_default_timeout(UI_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto(path)
        return page

    yield open_path
    call_report = getattr(request.node, "report_call", None)
    if call_report is not None and call_report.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        pages = [page for context in contexts for page in context.pages]
        for number, page in enumerate(pages, start=1):
            screenshot(page, f"FAILED-{name}-{number}")
    for context in contexts:
        context.close()


@pytest.fixture
def agent_page(open_page: OpenPage) -> Page:
    """The agent console, on its login form."""
    return open_page("/agent")


@pytest.fixture
def citizen_page(open_page: OpenPage) -> Page:
    """A citizen's web chat, in a context of its own (its own browser id)."""
    return open_page("/")


def fill_login(page: Page, user: str, password: str) -> None:
    page.fill("#user", user)
    page.fill("#password", password)


def submit_login(page: Page) -> None:
    page.click("#login button[type=submit]")


@pytest.fixture
def logged_in_agent(agent_page: Page, stack_agent: StackAgent) -> Page:
    """The agent console after the configured agent logged in."""
    fill_login(agent_page, stack_agent.user, stack_agent.password)
    submit_login(agent_page)
    agent_page.locator("#console").wait_for(state="visible")
    return agent_page
