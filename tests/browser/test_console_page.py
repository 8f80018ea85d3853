"""The operator's console in headless Chromium: a project's instances live, filtered and searched; actions
with their confirmation; workers and queues; a token kept out of addresses; hostile names shown as text;
and the page at desktop and phone widths (screenshots in test-artifacts/; ``TASKSTREAM_DOCS_SCREENSHOTS=1``
writes them to docs/ too, where the committed ones are)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

import taskstream
from taskstream import TaskSpec
from tests.support.server import ServerProcess

expect.set_options(timeout=30_000)  # bounded waits for what the server pushes; never a sleep
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"
WRITER = "console-writer-token-0123"
READER = "console-reader-token-0123"


@pytest.fixture
def project() -> str:
    return f"console-{uuid.uuid4().hex[:8]}"


def open_console(browser: Browser, server: ServerProcess, project: str, width: int = 1400) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append(f"a dialog opened: {dialog.message}"))
    page.errors = errors  # type: ignore[attr-defined]
    page.goto(f"http://{server.http_address}/#project={project}")
    return page


def close(page: Page) -> None:
    errors = page.errors  # type: ignore[attr-defined]
    page.context.close()
    assert not errors, errors


def row(page: Page, instance_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#rows tr[data-id="{instance_id}"]')


def test_instances_arrive_live_and_actions_change_them(
    browser: Browser, browser_server: ServerProcess, project: str, tmp_path: Path
) -> None:
    with taskstream.connect(browser_server.address, project=project, owner=HOSTILE) as client:
        done = client.run_task("echo", {"n": 1}, labels={"team": "web", "note": HOSTILE})
        done.wait_for_success(timeout=60)
        page = open_console(browser, browser_server, project)
        page.evaluate("window.loadedOnce = true")  # gone if the page ever reloads
        expect(page.locator("#connection")).to_have_text("live")
        expect(row(page, done.id).locator(".badge")).to_have_text("Succeeded")
        # Hostile label values and owners are text: no element came of them, nothing ran.
        expect(row(page, done.id).locator(".chips span", has_text="note=")).to_have_text(f"note={HOSTILE}")
        expect(row(page, done.id).locator("td.owner")).to_have_text(HOSTILE)
        assert page.locator("#rows img").count() == 0 and page.title() != "pwned"

        gated = client.run_task("gate", {"path": str(tmp_path / "open")}, labels={"team": "ops"})
        running = row(page, gated.id)
        expect(running).to_have_attribute("data-status", "RUNNING")  # pushed, not reloaded
        running.get_by_role("button", name="Suspend").click()
        expect(running).to_have_attribute("data-status", "SUSPENDED")
        running.get_by_role("button", name="Resume").click()
        expect(running).to_have_attribute("data-status", "RUNNING")
        stop = running.get_by_role("button", name="Stop")
        stop.click()
        expect(running.get_by_role("button", name="Confirm stop")).to_be_visible()  # nothing stopped yet
        assert gated.status is taskstream.InstanceStatus.RUNNING
        running.get_by_role("button", name="Confirm stop").click()
        expect(running).to_have_attribute("data-status", "TERMINATED")
        expect(running.locator(".badge")).to_have_text("Failed")
        assert gated.get_task().task_cancellation_message == "stopped from the console"

        running.get_by_role("button", name="Rerun").click()
        running.get_by_role("button", name="Confirm rerun").click()
        rerun = page.locator("#rows tr").filter(
            has=page.locator(".chips span", has_text=f"rerun-of={gated.id}")
        )
        expect(rerun).to_have_count(1)
        expect(page.locator("#toast")).to_contain_text(f"Rerun of {gated.id}")
        (tmp_path / "open").touch()  # lets the rerun end
        expect(rerun.locator(".badge")).to_have_text("Succeeded")

        # Filters: a status the server filters on, an outcome and a search the page filters on.
        page.select_option("#f-status", "TERMINATED")
        expect(page.locator("#rows tr")).to_have_count(3)
        page.select_option("#f-success", "no")
        expect(page.locator("#rows tr")).to_have_count(1)
        expect(page.locator("#rows tr")).to_have_attribute("data-id", gated.id)
        page.select_option("#f-success", "")
        page.fill("#f-search", done.id[-6:])
        expect(page.locator("#rows tr")).to_have_count(1)
        expect(page.locator("#rows tr")).to_have_attribute("data-id", done.id)
        page.fill("#f-search", "")
        page.fill("#f-label", "team=web")
        page.locator("#f-label").dispatch_event("change")
        expect(page.locator("#rows tr")).to_have_count(1)
        assert "label=team%3Dweb" in page.url or "label=team=web" in page.url  # kept in the fragment
        assert page.evaluate("window.loadedOnce") is True

        # Each instance opens its Logview.
        with page.context.expect_page() as opened:
            row(page, done.id).get_by_role("button", name=done.id).click()
        logview = opened.value
        expect(logview.locator("#instance-id")).to_have_text(done.id)
        assert "/logview/" in logview.url
        close(page)


def test_workers_show_their_tasks_and_queues_their_waiting_tasks(
    browser: Browser, browser_server: ServerProcess, project: str, tmp_path: Path
) -> None:
    with taskstream.connect(browser_server.address, project=project) as client:
        gated = client.run_task("gate", {"path": str(tmp_path / "open")})
        waiting = client.create_instance([TaskSpec("noop", {}, required_labels={"gpu": "yes"})])
        page = open_console(browser, browser_server, project)
        expect(row(page, gated.id)).to_have_attribute("data-status", "RUNNING")
        page.click("#tab-workers")
        expect(page.locator(".worker li", has_text=gated.id)).to_contain_text("running")
        page.click("#tab-queues")
        queued = page.locator('.queue[data-type="noop"] li', has_text=waiting.id)
        expect(queued).to_contain_text("needs a worker with gpu=yes")
        # Why it waits, and where it stands in the run queue (other tests' tasks may queue ahead of it).
        expect(queued.locator(".reason")).to_have_text(
            re.compile(r"^#\d+ in the queue · no matching labels$")
        )
        waiting.stop()
        (tmp_path / "open").touch()
        expect(queued).to_have_count(0)  # refreshed while the tab is open
        close(page)


def test_screenshots_at_desktop_and_phone_widths(
    browser: Browser, browser_server: ServerProcess, project: str, tmp_path: Path, screenshots: list[Path]
) -> None:
    with taskstream.connect(browser_server.address, project=project, owner="alice") as client:
        client.run_task("echo", {"n": 1}, labels={"team": "web"}).wait_for_success(timeout=60)
        client.run_task("fail", {"message": "bad input"}, labels={"team": "data"}).wait_for_completion(
            timeout=60
        )
        client.run_sql("select * from pyodps_iris limit 3").wait_for_success(timeout=60)
        gated = client.run_task("gate", {"path": str(tmp_path / "open")}, labels={"team": "ops"})
        client.run_task("noop", {}, hold=True, labels={"team": "ops"})
        for width, name in ((1400, "desktop"), (400, "400px")):
            page = open_console(browser, browser_server, project, width)
            expect(page.locator("#rows tr")).to_have_count(5)
            expect(row(page, gated.id)).to_have_attribute("data-status", "RUNNING")
            width_used = page.evaluate("document.documentElement.scrollWidth")
            assert width_used <= width, f"the page is {width_used} px wide at {width} px"
            for folder in screenshots:
                page.screenshot(path=str(folder / f"console-{name}.png"), full_page=True)
            close(page)
        (tmp_path / "open").touch()


@pytest.fixture(scope="module")
def secured_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    base = tmp_path_factory.mktemp("secured-console")
    tokens = base / "tokens.toml"
    tokens.write_text(
        f'[[token]]\nprincipal = "operator"\ntoken = "{WRITER}"\nwrite = ["ops"]\nmetrics = true\n\n'
        f'[[token]]\nprincipal = "viewer"\ntoken = "{READER}"\nread = ["ops"]\n'
    )
    process = ServerProcess(base / "data", "--auth-file", str(tokens), workers=1).start()
    yield process
    process.stop()


def test_a_token_signs_in_stays_out_of_addresses_and_limits_the_actions(
    browser: Browser, secured_server: ServerProcess
) -> None:
    with taskstream.connect(secured_server.address, project="ops", token=WRITER) as client:
        held = client.run_task("noop", {}, hold=True)
    page = open_console(browser, secured_server, "ops")
    expect(page.locator("#signin")).to_be_visible()  # the API said 401
    page.fill("#token", "not-a-token-at-all-0000")
    page.click("#token-form button[type=submit]")
    expect(page.locator("#signin-error")).to_have_text("The server does not accept this token.")
    page.fill("#token", READER)
    page.click("#token-form button[type=submit]")
    expect(page.locator("#principal")).to_have_text("viewer")
    expect(row(page, held.id).get_by_role("button", name="Resume")).to_be_disabled()  # a reader only
    # Its token may not act, even when the request is made by hand from the page.
    status = page.evaluate(
        """async (id) => (await fetch(`/console/api/action?project=ops&id=${id}&do=resume`, {
            method: "POST", headers: {"X-Taskstream-Console": "1",
            Authorization: `Bearer ${sessionStorage.getItem("taskstream-console-token")}`}})).status""",
        held.id,
    )
    assert status == 403
    page.click("#sign-out")
    expect(page.locator("#signin")).to_be_visible()
    page.fill("#token", WRITER)
    page.click("#token-form button[type=submit]")
    expect(page.locator("#principal")).to_have_text("operator")
    row(page, held.id).get_by_role("button", name="Resume").click()
    expect(row(page, held.id)).to_have_attribute("data-status", re.compile("RUNNING|TERMINATED"))
    assert WRITER not in page.url and READER not in page.url  # never in an address
    assert page.evaluate("sessionStorage.getItem('taskstream-console-token')") == WRITER
    close(page)
