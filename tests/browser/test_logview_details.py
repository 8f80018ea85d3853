"""Logview's details in headless Chromium: a task's parameters and SQL statement, a select's typed rows,
a failed instance opening on its error, stage times the server keeps across a reload, output downloads,
sub-instances with their status, a 400 px screen, and a server that stops under an open page."""

from __future__ import annotations

import re
from pathlib import Path

import grpc
from playwright.sync_api import Browser, Page, expect

import taskstream
from taskstream import TaskSpec
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc, task_pb2
from tests.integration.conftest import until_task_status
from tests.support.server import ServerProcess

expect.set_options(timeout=30_000)  # bounded waits for what the server pushes; never a sleep
HOSTILE = '<img src=x onerror="document.title=42">'


def test_a_sql_task_shows_its_statement_and_its_rows_typed_and_paged(
    page: Page, client: taskstream.Client
) -> None:
    statement = (
        "select sepallength, name, 1 as one, null as empty, "
        f"'{HOSTILE}' as html from pyodps_iris union all select sepallength, name, 2, null, 'x' from pyodps_iris"
    )
    instance = client.run_sql(statement)
    instance.wait_for_success(timeout=60)
    page.goto(instance.get_logview_address(hours=1))
    expect(page.locator("#d-params-title")).to_have_text("Statement")
    expect(page.locator("#d-sql")).to_have_text(statement)
    expect(page.locator("#d-datasource")).to_have_text("on data source default")
    head = page.locator("#d-rows-head th")
    expect(head).to_have_text(["sepallength", "name", "one", "empty", "html"])
    expect(head.nth(0)).to_have_attribute("title", "double")
    expect(head.nth(2)).to_have_attribute("title", "integer")
    first = page.locator("#d-rows tr").first.locator("td")
    expect(first).to_have_text(["5.1", "Iris-setosa", "1", "NULL", HOSTILE])  # the markup is text
    assert page.locator("#d-rows img").count() == 0 and page.title() != "42"
    expect(page.locator("#d-rows tr")).to_have_count(200)  # a page
    expect(page.locator("#d-rows-count")).to_have_text("200+")
    page.click("#d-rows-more")
    expect(page.locator("#d-rows tr")).to_have_count(300)
    expect(page.locator("#d-rows-more")).to_be_hidden()
    expect(page.locator("#d-result-block")).to_be_hidden()  # the rows stand for the CSV


def test_other_tasks_show_their_parameters_and_a_failed_instance_opens_on_its_error(
    page: Page, client: taskstream.Client
) -> None:
    instance = client.create_instance(
        [
            TaskSpec("echo", {"text": HOSTILE, "n": [1, 2]}, name="first"),
            TaskSpec("fail", {"message": "bad input"}, name="broken"),
        ]
    )
    instance.wait_for_completion(timeout=60)
    page.goto(instance.get_logview_address(hours=1))
    expect(page.locator("#detail-title")).to_have_text("broken")  # chosen for the reader
    expect(page.locator("#d-error-message")).to_have_text("bad input")
    expect(page.locator("#d-error-block")).to_be_in_viewport()
    expect(page.locator("#d-params tr")).to_have_text([re.compile("message\\s*bad input")])
    page.locator('.task[data-task="first"]').click()
    expect(page.locator("#d-params-title")).to_have_text("Parameters")
    expect(page.locator("#d-params tr", has_text="text")).to_contain_text(HOSTILE)
    expect(page.locator("#d-params tr", has_text="[1,2]")).to_have_text(re.compile(r"^n\s*\[1,2\]$"))
    assert page.locator("#d-params img").count() == 0


def stage_spans(page: Page) -> dict[str, tuple[str | None, str | None]]:
    spans = page.locator("#timeline-stages li")
    return {
        str(spans.nth(i).get_attribute("data-stage")): (
            spans.nth(i).get_attribute("data-start"),
            spans.nth(i).get_attribute("data-end"),
        )
        for i in range(spans.count())
    }


def test_stage_times_come_from_the_server_and_survive_a_reload(
    page: Page, client: taskstream.Client, tmp_path: Path
) -> None:
    instance = client.run_task("staged_steps", {"gates": str(tmp_path)})
    page.goto(instance.get_logview_address(hours=1))
    first = page.locator('#timeline-stages li[data-stage="M1_Stg1_job0"]')
    expect(first).to_have_attribute("data-state", "open")
    (tmp_path / "0").touch()  # the first stage ends, the second starts
    expect(first).to_have_attribute("data-state", "done")
    second = page.locator('#timeline-stages li[data-stage="M2_Stg1_job0"]')
    expect(second).to_have_attribute("data-state", "open")
    before = stage_spans(page)
    stamps = page.locator("#d-stages .stimes").first
    expect(stamps).to_have_attribute("data-end", re.compile(".+"))
    stored = (stamps.get_attribute("data-start"), stamps.get_attribute("data-end"))
    page.reload()
    expect(page.locator('#timeline-stages li[data-stage="M2_Stg1_job0"]')).to_have_attribute(
        "data-state", "open"
    )
    after = stage_spans(page)
    assert after["M1_Stg1_job0"] == before["M1_Stg1_job0"]  # the same span, not re-derived at the reload
    assert after["M2_Stg1_job0"][0] == before["M2_Stg1_job0"][0]
    stamps = page.locator("#d-stages .stimes").first
    assert (stamps.get_attribute("data-start"), stamps.get_attribute("data-end")) == stored
    (tmp_path / "1").touch()
    expect(page.locator('#timeline-stages li[data-stage="M2_Stg1_job0"]')).to_have_attribute(
        "data-state", "done"
    )


def test_output_downloads_whole_and_sub_instances_show_their_status(
    page: Page, client: taskstream.Client, browser_server: ServerProcess, tmp_path: Path
) -> None:
    parent = client.run_task("spam", {"lines": 3000})
    parent.wait_for_success(timeout=60)
    page.goto(parent.get_logview_address(hours=1))
    expect(page.locator("#out")).to_contain_text("line 00002999")
    with page.expect_download() as download:
        page.click("#download")
    data = Path(download.value.path()).read_text()
    assert download.value.suggested_filename == f"{parent.id}-spam.stdout.txt"
    assert data == parent.get_task().standard_output and data.count("\n") == 3000

    workflow = client.run_task("wait_cancel", {"limit": 60})
    with grpc.insecure_channel(browser_server.address) as channel:
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
        child = stub.CreateInstance(
            pb.CreateInstanceRequest(
                parent=f"projects/{workflow.project}",
                tasks=[task_pb2.TaskSpec(type="gate", parameters_json=f'{{"path": "{tmp_path / "go"}"}}')],
                parent_instance=workflow.name,
                sub_instance_name="Step1",
            )
        ).instance
    page.goto(workflow.get_logview_address(hours=1))
    item = page.locator(f'#sub-list li[data-instance="{child.name}"]')
    expect(item.locator("a")).to_have_text("Step1")
    expect(item.locator(".badge")).to_have_text("running")
    (tmp_path / "go").touch()
    expect(item.locator(".badge")).to_have_text("succeeded")  # read again while one was running
    workflow.stop()


def test_the_page_fits_a_400_px_screen(
    browser: Browser, client: taskstream.Client, screenshots: list[Path]
) -> None:
    instance = client.create_instance(
        [
            TaskSpec("progress", name="staged"),
            TaskSpec("fail", {"message": "bad input"}, name="broken"),
            TaskSpec("sql", {"sql": "select * from pyodps_iris limit 20"}, name="iris_sample"),
        ],
        labels={"team": "web", "run": "nightly"},
    )
    instance.wait_for_completion(timeout=60)
    url = instance.get_logview_address(hours=1)
    for width, name in ((1400, "desktop"), (400, "400px")):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(url)
        expect(page.locator("#detail-title")).to_have_text("broken")
        expect(page.locator("#d-traceback")).to_contain_text("ValueError")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{scroll_width} px wide at {width} px"
        for folder in screenshots:
            page.screenshot(path=str(folder / f"logview-{name}.png"), full_page=True)
        page.locator('.task[data-task="iris_sample"]').click()
        expect(page.locator("#d-rows tr")).to_have_count(20)
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # the rows scroll inside
        if width == 400:
            for folder in screenshots:
                page.screenshot(path=str(folder / "logview-400px-sql.png"), full_page=True)
        context.close()


def test_stopping_the_server_under_open_pages_logs_no_traceback(browser: Browser, tmp_path: Path) -> None:
    log = tmp_path / "stderr.log"
    server = ServerProcess(
        tmp_path / "data", "--grace-period", "1", workers=1, stderr=log, logging=("--log-level", "INFO")
    ).start()
    context = browser.new_context()
    try:
        with taskstream.connect(server.address, project="closing") as client:
            running = client.run_task("steps", {"gates": str(tmp_path), "count": 2})
            address = running.get_logview_address(hours=1)
        logview = context.new_page()
        logview.goto(address)
        expect(logview.locator("#out")).to_contain_text("step 0")  # its output is followed, live
        console = context.new_page()
        console.goto(f"http://{server.http_address}/#project=closing")
        expect(console.locator("#connection")).to_have_text("live")
        assert server.stop() == 0  # drains while both pages stream, and reconnect, then closes
        expect(console.locator("#connection")).to_have_text("reconnecting")
        expect(logview.locator("#connection")).not_to_have_text("live")
    finally:
        context.close()
        if server.process is not None and server.process.poll() is None:
            server.kill()
    text = log.read_text()
    assert "Traceback" not in text and " ERROR " not in text, text[-4000:]


def test_a_task_that_waits_says_why(page: Page, client: taskstream.Client) -> None:
    # A mistyped type no worker offers: the row and the details say so instead of a bare "waiting".
    instance = client.create_instance(
        [TaskSpec("prgress_demo", {}, name="typo"), TaskSpec("echo", {}, name="later", depends_on=["typo"])]
    )
    try:
        page.goto(instance.get_logview_address(hours=1))
        typo = page.locator('.task[data-task="typo"]')
        expect(typo).to_contain_text("no connected worker offers its type")
        expect(page.locator('.task[data-task="later"]')).to_contain_text(
            "waiting for the tasks it depends on"
        )
        typo.click()
        expect(page.locator("#d-status")).to_have_text("waiting · no connected worker offers its type")
    finally:
        instance.stop()


def test_a_queued_task_says_how_many_are_queued_ahead_of_it(page: Page, tmp_path: Path) -> None:
    # One slot and no prefetch, so the run queue stays as built: a gate holds the slot, two more wait.
    server = ServerProcess(
        tmp_path / "data", "--short-task-prefetch", "0", "--prefetch", "0", "--grace-period", "1", workers=1
    ).start()
    gate = tmp_path / "gate"
    try:
        with taskstream.connect(server.address, project="queue-page") as client:
            holder = client.run_task("gate", {"path": str(gate)}, name="holder")
            until_task_status(holder, "holder", taskstream.TaskStatus.RUNNING)
            ahead = client.run_task("gate", {"path": str(gate)}, name="ahead")
            behind = client.create_instance([TaskSpec("gate", {"path": str(gate)}, name="behind")])
            page.goto(behind.get_logview_address(hours=1))
            row = page.locator('.task[data-task="behind"]')
            expect(row).to_contain_text("queued behind 1 for a free worker slot")
            row.click()
            expect(page.locator("#d-status")).to_have_text("waiting · queued behind 1 for a free worker slot")
            gate.touch()  # everything runs: the words go with the wait
            expect(page.locator("#d-status")).to_have_text("success")
            for instance in (holder, ahead, behind):
                instance.wait_for_success(timeout=60)
    finally:
        gate.touch()
        server.stop()
