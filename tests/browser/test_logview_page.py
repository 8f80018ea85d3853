"""The Logview page in headless Chromium: live while a task runs and ends, bounded for big instances,
and closed to a bad token."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import grpc
from playwright.sync_api import Page, expect

import taskstream
from taskstream import TaskSpec
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc, task_pb2
from tests.support.server import ServerProcess

expect.set_options(timeout=30_000)  # bounded waits for what the server pushes; never a sleep


def test_the_page_follows_a_task_as_it_progresses_and_ends(
    page: Page, client: taskstream.Client, tmp_path: Path, artifacts: Path
) -> None:
    instance = client.run_task("steps", {"gates": str(tmp_path), "count": 3}, labels={"team": "web"})
    page.goto(instance.get_logview_address(hours=1))
    page.evaluate("window.loadedOnce = true")  # gone if the page ever reloads

    row = page.locator('.task[data-task="steps"]')
    expect(page.locator("#instance-id")).to_have_text(instance.id)
    expect(page.locator("#f-owner")).to_have_text(instance.owner)
    expect(page.locator("#connection")).to_have_text("live")
    for step, percent in enumerate(("33%", "66%", "100%")):
        expect(row).to_have_attribute("data-status", "RUNNING")
        expect(page.locator("#d-percent")).to_have_text(percent)
        expect(page.locator("#d-message")).to_have_text(f"step {step}")
        expect(page.locator("#out")).to_contain_text(f"step {step}")
        expect(page.locator("#f-started")).not_to_have_text("—")
        if step == 1:
            page.screenshot(path=str(artifacts / "logview-running.png"), full_page=True)
        (tmp_path / str(step)).touch()  # lets the task go on

    expect(row).to_have_attribute("data-status", "SUCCESS")
    expect(page.locator("#instance-status")).to_have_text("Terminated · successful")
    expect(page.locator("#d-result")).to_have_text("3")
    expect(page.locator("#connection")).to_have_text("ended")
    expect(page.locator("#f-ended")).not_to_have_text("—")
    expect(page.locator("#labels")).to_have_text("team=web")
    assert page.evaluate("window.loadedOnce") is True
    page.screenshot(path=str(artifacts / "logview-terminated.png"), full_page=True)


def test_a_bad_token_is_refused(page: Page, client: taskstream.Client) -> None:
    instance = client.run_task("echo", {"secret": "do not show"})
    url = instance.get_logview_address(hours=1)
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query["token"] = query["token"][:-3] + ("xyz" if not query["token"].endswith("xyz") else "abc")
    response = page.goto(urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query))))
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("403 · Access denied")
    expect(page.locator("#reason")).to_have_text("the token is not valid for this instance.")
    assert instance.id not in page.content()


def test_a_big_instance_stays_bounded(
    page: Page, client: taskstream.Client, browser_server: ServerProcess, artifacts: Path
) -> None:
    tasks = [
        TaskSpec("progress", name="staged"),
        TaskSpec("fail", {"message": "bad input"}, name="broken"),
        TaskSpec("spam", {"lines": 100_000}, name="loud"),  # 1.4 MB of output
        *(TaskSpec("echo", {"n": i}, name=f"echo-{i:03d}") for i in range(200)),
    ]
    instance = client.create_instance(tasks)
    page.goto(instance.get_logview_address(hours=1))
    instance.wait_for_completion(timeout=120)  # a server-side long poll; the page follows meanwhile
    expect(page.locator("#instance-status")).to_have_text("Terminated · not successful")
    expect(page.locator("#task-count")).to_contain_text("203 · ")
    assert page.locator(".task").count() < 40  # only the rows in view are in the DOM

    # The timeline draws the stages of the first tasks under their bars; their spans are the times the
    # server stamped on the stages, listed beside the canvas. R2 was at 50% when its task ended.
    spans = page.locator("#timeline-stages li")
    expect(spans).to_have_count(2)
    for stage, state in (("M1_Stg1_job0", "done"), ("R2_1_Stg1_job0", "ended")):
        span = page.locator(f'#timeline-stages li[data-task="staged"][data-stage="{stage}"]')
        expect(span).to_have_attribute("data-state", state)
        start, end = span.get_attribute("data-start"), span.get_attribute("data-end")
        assert start and end and start <= end, (stage, start, end)
    expect(page.locator("#timeline-hint")).to_contain_text(
        "stages of 1 task (the first 50 and the selected one)"
    )

    page.locator('.task[data-task="staged"]').click()
    expect(page.locator("#d-stages .stage")).to_have_count(2)
    expect(page.locator("#d-stages .stage").nth(1)).to_contain_text("1/0/2 (+1 backups) · 50%")
    expect(page.locator("#d-formatted")).to_have_text(
        "M1_Stg1_job0:0/1/1[100%]  R2_1_Stg1_job0:1/0/2(+1 backups)[50%]"
    )
    expect(page.locator("#d-message")).to_have_text("reading")

    page.locator('.task[data-task="broken"]').click()
    expect(page.locator("#d-error-message")).to_contain_text("bad input")
    expect(page.locator("#d-traceback")).to_contain_text("Traceback")

    page.locator('.task[data-task="loud"]').click()
    expect(page.locator("#out")).to_contain_text("line 00099999")
    expect(page.locator("#out-cut")).to_contain_text("earlier not shown")
    assert page.evaluate("document.getElementById('out').textContent.length") <= 256 * 1024

    page.locator("#filter").fill("echo-02")
    expect(page.locator(".task")).to_have_count(10)
    page.screenshot(path=str(artifacts / "logview-big.png"), full_page=True)


def test_links_lead_to_sub_instances_but_not_up_to_the_parent(
    page: Page, client: taskstream.Client, browser_server: ServerProcess
) -> None:
    # A parent that keeps running: a terminated workflow starts no sub-instances.
    parent = client.run_task("wait_cancel", {"limit": 60})
    with grpc.insecure_channel(browser_server.address) as channel:
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
        child = stub.CreateInstance(
            pb.CreateInstanceRequest(
                parent=f"projects/{parent.project}",
                tasks=[task_pb2.TaskSpec(type="echo")],
                parent_instance=parent.name,
            )
        ).instance
    page.goto(parent.get_logview_address(hours=1))
    link = page.locator("#sub-list a")
    expect(link).to_have_count(1)
    link.click()
    expect(page.locator("#instance-id")).to_have_text(child.id)
    expect(page.locator("#parent-link")).to_have_text(parent.id)
    expect(page.locator("#parent-link")).not_to_have_attribute("href", re.compile(".*"))
    up = page.url.replace("/logview/?", "/logview/related?") + "&to=" + urllib.parse.quote(parent.name)
    refused = page.goto(up)
    assert refused is not None and refused.status == 403  # a sub-instance's address never opens its parent
    expect(page.locator("#reason")).to_contain_text("not a sub-instance")
    page.go_back()
    page.go_back()
    expect(page.locator("#instance-id")).to_have_text(parent.id)
    parent.stop()


def test_a_cancellation_shows_its_reason_and_message(page: Page, client: taskstream.Client) -> None:
    instance = client.run_task("wait_cancel", {"limit": 60})
    page.goto(instance.get_logview_address(hours=1))
    row = page.locator('.task[data-task="wait_cancel"]')
    expect(row).to_have_attribute("data-status", "RUNNING")
    instance.stop(message="wrong input")
    expect(row).to_have_attribute("data-status", "CANCELLED")
    expect(page.locator("#d-cancel")).to_contain_text("direct: wrong input — by ")
    expect(page.locator("#instance-status")).to_have_text("Terminated · not successful")


def test_a_task_that_succeeded_without_reporting_progress_shows_100_percent(
    page: Page, client: taskstream.Client
) -> None:
    instance = client.execute_task("noop", {}, timeout=60)
    page.goto(instance.get_logview_address(hours=1))
    row = page.locator('.task[data-task="noop"]')
    expect(row).to_have_attribute("data-status", "SUCCESS")
    expect(row.locator(".prog small")).to_have_text("100%")
    expect(page.locator("#d-percent")).to_have_text("100%")
