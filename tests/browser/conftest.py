"""Browser tests: the whole suite (as in tests/e2e) with the built portal at the gateway,
driven by Playwright in Debian's chromium (its executable path set: browser downloads are
impossible here). Every page a test opens is checked with axe-core and saved as a
screenshot under var/screenshots/."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from ..conftest import Suite, bearer, login  # noqa: F401  (re-exported to the tests here)

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "gateway" / "portal" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def chromium() -> str:
    found = os.environ.get("XBT_CHROMIUM") or shutil.which("chromium")
    if not found:
        raise RuntimeError("Debian's chromium is needed: `make browser` installs it")
    return found


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not AXE.is_file():
        raise RuntimeError(f"{AXE} is missing: `make portal` installs the portal's packages")
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield launched
        await launched.close()


async def new_context(
    browser: Browser, base_url: str, viewport: dict[str, int], *, service_workers: bool = False
) -> BrowserContext:
    return await browser.new_context(
        base_url=base_url,
        viewport=viewport,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        # axe-core is injected as a script; the portal's CSP (rightly) allows none.
        bypass_csp=True,
        # Blocked unless a test is about the installed app: a worker's cache would make the
        # other tests see an older build.
        service_workers="allow" if service_workers else "block",
    )


@pytest.fixture
async def phone(browser: Browser, suite: Suite) -> AsyncIterator[Page]:
    context = await new_context(browser, suite.gateway, PHONE)
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def installed(browser: Browser, suite: Suite) -> AsyncIterator[Page]:
    """A phone with the service worker allowed: the portal as an installed app."""
    context = await new_context(browser, suite.gateway, PHONE, service_workers=True)
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def desktop(browser: Browser, suite: Suite) -> AsyncIterator[Page]:
    context = await new_context(browser, suite.gateway, DESKTOP)
    page = await context.new_page()
    yield page
    await context.close()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in result if v.get("impact") in ("serious", "critical")]


async def check_page(page: Page, name: str) -> None:
    """Save a screenshot of the page and fail on serious or critical accessibility issues."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]', '-', name)}.png"))
    violations = await axe_violations(page)
    assert violations == [], json.dumps(
        [
            {"id": v["id"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"][:3]]}
            for v in violations
        ],
        ensure_ascii=False,
        indent=1,
    )
