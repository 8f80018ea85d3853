"""A real taskstreamd and headless Chromium (Debian's package, driven by Playwright) for the Logview tests.

The browser is never downloaded: ``make test-tools`` installs Debian's ``chromium`` when it is missing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

import taskstream
from tests.support.server import REPO, ServerProcess

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="session")
def browser_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path_factory.mktemp("browser-server"), "--grace-period", "1", workers=4
    ).start()
    yield process
    process.stop()


# Module scope: Playwright's sync API runs an event loop in this thread while it is open, which the
# asyncio tests that follow in the same session could not run beside.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make test-tools` installs Debian's chromium"
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, errors  # the page's script raised


@pytest.fixture
def client(browser_server: ServerProcess) -> Iterator[taskstream.Client]:
    with taskstream.connect(browser_server.address, project=f"web-{uuid.uuid4().hex[:10]}") as c:
        yield c


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def screenshots(artifacts: Path) -> list[Path]:
    """Where the pages' screenshots go: test-artifacts/, and docs/ (the committed ones) when
    ``TASKSTREAM_DOCS_SCREENSHOTS=1`` asks for new ones."""
    folders = [artifacts]
    if os.environ.get("TASKSTREAM_DOCS_SCREENSHOTS") == "1":
        folders.append(REPO / "docs")
    return folders
