"""The ``taskstream`` commands run as subprocesses against a real server: output and exit codes."""

from __future__ import annotations

import getpass
import json
import socket
from pathlib import Path

import pytest

from tests.e2e.conftest import Cli, one_error_line


def test_run_wait_prints_the_id_then_the_outcome_and_result_prints_json(cli: Cli) -> None:
    done = cli.run("run", "echo", "--param", "n=3", "--param", "s=hi", "--param", "xs=[1, 2]", "--wait")
    assert done.returncode == 0, done.stderr
    instance_id, outcome = done.stdout.decode().splitlines()
    assert outcome == f"{instance_id} Terminated, successful"

    result = cli.run("result", instance_id)
    assert result.returncode == 0, result.stderr
    expected = {"n": 3, "s": "hi", "xs": [1, 2]}
    assert result.stdout.decode() == json.dumps(expected, indent=2) + "\n"


def test_run_merges_params_json_and_params_and_takes_name_and_priority(cli: Cli) -> None:
    done = cli.run(
        "run",
        "echo",
        "--params-json",
        '{"a": 1, "b": 2}',
        "--param",
        "b=text",
        "--param",
        "c=not json{",
        "--name",
        "first",
        "--priority",
        "3",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    assert created["priority"] == 3 and created["project"] == cli.project
    assert [task["name"] for task in created["tasks"]] == ["first"]

    assert cli.run("wait", created["id"]).returncode == 0
    result = cli.run("result", created["id"], "first")
    assert json.loads(result.stdout) == {"a": 1, "b": "text", "c": "not json{"}


def test_a_failure_shows_its_error_and_traceback_on_stderr_and_exits_1(cli: Cli) -> None:
    done = cli.run("run", "fail", "--param", "message=kaput", "--wait")
    assert done.returncode == 1, done.stderr
    instance_id, outcome = done.stdout.decode().splitlines()
    assert outcome == f"{instance_id} Terminated, not successful: fail FAILED"
    error = done.stderr.decode().splitlines()
    assert error[0] == "taskstream: task fail FAILED: ValueError: kaput"
    assert error[-1] == "taskstream:   ValueError: kaput"  # the traceback's last line
    assert any("raise ValueError(message)" in line for line in error[1:])
    assert len(error) <= 8  # the traceback's last lines only

    for command in (["result", instance_id], ["get", instance_id], ["watch", instance_id]):
        shown = cli.run(*command)
        assert shown.returncode == 1, (command, shown.stderr)
        assert shown.stderr.decode().splitlines() == error, command
        assert b"kaput" not in shown.stdout or command[0] != "result"
    assert cli.run("result", instance_id).stdout == b""  # no result; the error is not one
    text = cli.run("get", instance_id).stdout.decode()
    assert "  fail  FAILED  0%        ValueError: kaput" in text.splitlines()


def test_run_warns_at_once_of_a_type_no_worker_offers(cli: Cli) -> None:
    done = cli.run("run", "prgress_demo")  # a typo of progress (tests.support.tasks has no progress_demo)
    assert done.returncode == 0, done.stderr
    instance_id = done.stdout.decode().strip()
    warning = done.stderr.decode().splitlines()
    assert (
        warning[0]
        == "taskstream: warning: no connected worker offers task type 'prgress_demo'; did you mean 'progress'?"
    )
    assert "`taskstream types` lists them" in warning[1] and "echo" in warning[1]
    assert cli.run("stop", instance_id).returncode == 0
    quiet = cli.run("run", "noop", "--wait")
    assert quiet.returncode == 0 and quiet.stderr == b""


def test_types_lists_what_the_workers_offer(cli: Cli) -> None:
    table = cli.run("types")
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.decode().splitlines()
    assert header.split() == ["TYPE", "WORKERS", "DESCRIPTION"]
    by_name = {row.split()[0]: row.split(maxsplit=2)[1:] for row in rows}
    assert by_name["echo"] == ["2", "Returns its parameters."]
    assert "sql" in by_name and "staged" in by_name
    listed = json.loads(cli.run("types", "--json").stdout)
    assert {"name": "echo", "description": "Returns its parameters.", "workers": 2} in listed


def test_version_names_the_distribution(cli: Cli) -> None:
    done = cli.run("--version")
    assert done.returncode == 0
    assert done.stdout.decode().startswith("taskstream ") and done.stdout.decode().strip() != "taskstream"


def test_run_wait_json_prints_the_final_instance(cli: Cli) -> None:
    done = cli.run("run", "chatty", "--wait", "--json")
    assert done.returncode == 0, done.stderr
    final = json.loads(done.stdout)
    assert final["status"] == "Terminated" and final["successful"] is True
    assert final["tasks"][0]["status"] == "SUCCESS"
    assert cli.run("result", final["id"]).stdout == b"HELLO\n"  # a text result as it is


def test_ls_lists_newest_first_filters_by_status_and_limits(cli: Cli, gate: Path) -> None:
    first = cli.start("noop", "--wait").splitlines()[0]
    second = cli.start("noop", "--wait").splitlines()[0]
    running = cli.start("gated_spam", "--param", f"gate={gate}", "--param", "lines=1")
    try:
        table = cli.run("ls")
        assert table.returncode == 0, table.stderr
        header, *rows = table.stdout.decode().splitlines()
        assert header.split() == ["ID", "STATUS", "OWNER", "PRIORITY", "CREATED"]
        assert [row.split()[0] for row in rows] == [running, second, first]
        assert rows[0].split()[1] == "Running" and rows[1].split()[1] == "Succeeded"

        limited = cli.run("ls", "--limit", "1", "--json")
        assert [i["id"] for i in json.loads(limited.stdout)] == [running]
        terminated = cli.run("ls", "--status", "terminated", "--json")
        assert [i["id"] for i in json.loads(terminated.stdout)] == [second, first]
        both = cli.run("ls", "--status", "RUNNING", "--status", "terminated", "--json")
        assert len(json.loads(both.stdout)) == 3
    finally:
        gate.touch()
    assert cli.run("wait", running).returncode == 0


def test_get_shows_tasks_and_stage_progress(cli: Cli) -> None:
    instance_id = cli.start("progress", "--wait").splitlines()[0]
    text = cli.run("get", instance_id)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.decode().splitlines()
    assert f"id:        {instance_id}" in lines and f"project:   {cli.project}" in lines
    assert "status:    Terminated (successful)" in lines
    rows = [line.split() for line in lines[lines.index("tasks:") + 1 :]]
    assert rows == [
        ["TASK", "STATUS", "PROGRESS", "DETAIL"],
        ["progress", "SUCCESS", "100%", "reading"],  # done: it succeeded
        ["M1_Stg1_job0", "100%", "0/1/1"],
        ["R2_1_Stg1_job0", "50%", "1/0/2", "(+1", "backups)"],
    ]

    data = json.loads(cli.run("get", instance_id, "--json").stdout)
    assert data["id"] == instance_id and data["successful"] is True
    (task,) = data["tasks"]
    assert task["progress"]["percent"] == 40 and task["progress"]["message"] == "reading"
    assert [s["name"] for s in task["progress"]["stages"]] == ["M1_Stg1_job0", "R2_1_Stg1_job0"]


def test_wait_times_out_with_5_then_stop_cancels_and_wait_exits_1(cli: Cli) -> None:
    instance_id = cli.start("wait_cancel")
    timed_out = cli.run("wait", instance_id, "--timeout", "0.2")
    assert timed_out.returncode == 5
    assert "did not terminate within 0.2 seconds" in one_error_line(timed_out.stderr)

    stopped = cli.run("stop", instance_id, "--reason", "direct", "--message", "by the e2e test")
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.decode().startswith(instance_id)

    waited = cli.run("wait", instance_id)
    assert waited.returncode == 1, waited.stderr
    assert waited.stdout.decode() == f"{instance_id} Terminated, not successful: wait_cancel CANCELLED\n"
    assert waited.stderr.decode().splitlines() == [
        f"taskstream: instance {instance_id}:",
        f"taskstream:   task wait_cancel CANCELLED: cancelled (direct by {getpass.getuser()}: by the e2e test)",
    ]

    again = cli.run("stop", instance_id)
    assert again.returncode == 0, again.stderr
    assert again.stdout.decode() == (
        f"{instance_id} Terminated, not successful: wait_cancel CANCELLED (already; nothing to stop)\n"
    )


def test_run_wait_timeout_exits_5(cli: Cli) -> None:
    done = cli.run("run", "wait_cancel", "--wait", "--timeout", "0.2")
    assert done.returncode == 5
    one_error_line(done.stderr)
    instance_id = done.stdout.decode().strip()
    assert cli.run("stop", instance_id).returncode == 0


def test_result_names_unknown_and_unfinished_tasks(cli: Cli) -> None:
    instance_id = cli.start("wait_cancel")
    try:
        unfinished = cli.run("result", instance_id)
        assert unfinished.returncode == 6
        assert "no result yet" in one_error_line(unfinished.stderr)
        unknown = cli.run("result", instance_id, "nosuchtask")
        assert unknown.returncode == 3
        assert "has no task 'nosuchtask'" in one_error_line(unknown.stderr)
    finally:
        cli.run("stop", instance_id)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens there any more


@pytest.mark.parametrize("where", ["option", "environment"])
def test_a_wrong_address_is_one_readable_line_and_exit_4(cli: Cli, where: str) -> None:
    address = f"127.0.0.1:{_closed_port()}"
    if where == "option":
        done = cli.run("--server", address, "ls")
    else:
        done = cli.run("ls", TASKSTREAM_SERVER=address)
    assert done.returncode == 4 and done.stdout == b""
    assert one_error_line(done.stderr) == (
        f"taskstream: error: cannot reach the taskstream server at {address}: connection failed"
    )


@pytest.mark.parametrize("instance_id", ["nope", "20200101000000000abcdefgh"])
@pytest.mark.parametrize("command", [["get"], ["wait"], ["stop"], ["result"]])
def test_an_unknown_id_is_one_readable_line_and_exit_3(
    cli: Cli, command: list[str], instance_id: str
) -> None:
    args = [arg.replace("{id}", instance_id) for arg in command]
    if "{id}" not in command:
        args.append(instance_id)
    done = cli.run(*args)
    assert done.returncode == 3, done.stderr
    assert "not found" in one_error_line(done.stderr)


def test_the_project_option_overrides_the_environment(cli: Cli) -> None:
    instance_id = cli.start("noop")
    assert cli.run("wait", instance_id).returncode == 0
    elsewhere = cli.run("get", instance_id, "--project", "another")
    assert elsewhere.returncode == 3
    one_error_line(elsewhere.stderr)
    assert cli.run("--project", cli.project, "get", instance_id).returncode == 0


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["run", "echo", "--param", "novalue"],
        ["run", "echo", "--params-json", "[1]"],
        ["run", "echo", "--priority", "10"],
        ["run", "echo", "--timeout", "1"],
        ["ls", "--limit", "0"],
        ["ls", "--status", "sleeping"],
        ["stop", "x", "--reason", "whim"],
        ["wait", "x", "--timeout", "soon"],
        ["result"],
        ["get", "projects/a/b"],
    ],
)
def test_usage_errors_exit_2(cli: Cli, args: list[str]) -> None:
    done = cli.run(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert b"Traceback" not in done.stderr and done.stderr


def test_wait_for_several_instances_all_or_any(cli: Cli) -> None:
    done = cli.start("noop", "--wait").splitlines()[0]
    running = cli.start("wait_cancel")
    try:
        any_one = cli.run("wait", running, done, "--any")
        assert any_one.returncode == 0, any_one.stderr
        assert any_one.stdout.decode().splitlines() == [
            f"{running} Running",
            f"{done} Terminated, successful",
        ]

        all_of_them = cli.run("wait", done, running, "--timeout", "0.2")
        assert all_of_them.returncode == 5
        assert "did not terminate within 0.2 seconds" in one_error_line(all_of_them.stderr)
    finally:
        assert cli.run("stop", running).returncode == 0
    cancelled = cli.run("wait", done, running)
    assert cancelled.returncode == 1
    assert cancelled.stdout.decode().splitlines() == [
        f"{done} Terminated, successful",
        f"{running} Terminated, not successful: wait_cancel CANCELLED",
    ]


def test_ls_tells_success_from_failure_and_hides_sub_instances(cli: Cli) -> None:
    failed = cli.run("run", "fail", "--wait").stdout.decode().splitlines()[0]
    table = f"ids_{failed[-8:]}"
    workflow = cli.run(
        "run",
        "xflow.algo_public.AppendID",
        "--param",
        "inputTableName=pyodps_iris",
        "--param",
        f"outputTableName={table}",
        "--wait",
    )
    assert workflow.returncode == 0, workflow.stderr
    succeeded = workflow.stdout.decode().splitlines()[0]

    rows = [line.split() for line in cli.run("ls").stdout.decode().splitlines()[1:]]
    assert [(row[0], row[1]) for row in rows] == [(succeeded, "Succeeded"), (failed, "Failed")]
    every = json.loads(cli.run("ls", "--sub-instances", "--json").stdout)
    subs = [i for i in every if i["parent_instance"]]
    assert len(every) == 4 and len(subs) == 2
    assert all(i["parent_instance"].endswith(succeeded) and i["successful"] for i in subs)

    def ids(*args: str) -> list[str]:
        done = cli.run("ls", "--json", *args)
        assert done.returncode == 0, done.stderr
        return [i["id"] for i in json.loads(done.stdout)]

    assert ids("--status", "failed") == [failed]
    assert ids("--status", "successful") == [succeeded]
    assert ids("--status", "successful", "--status", "failed") == [succeeded, failed]
    running = cli.start("wait_cancel")
    try:
        assert ids("--status", "failed", "--status", "running") == [running, failed]
        assert ids("--status", "failed", "--status", "running", "--limit", "1") == [running]
    finally:
        assert cli.run("stop", running).returncode == 0
    listed = json.loads(cli.run("ls", "--json", "--status", "failed").stdout)
    assert listed[0]["successful"] is False and listed[0]["status"] == "Terminated"


def test_logs_of_a_one_task_instance_needs_no_task_name(cli: Cli) -> None:
    instance_id = cli.start("chatty", "--wait").splitlines()[0]
    named = cli.run("logs", instance_id, "chatty")
    unnamed = cli.run("logs", instance_id)
    assert unnamed.returncode == 0, unnamed.stderr
    assert unnamed.stdout == named.stdout and unnamed.stdout


def test_a_successful_task_that_reported_no_progress_shows_100(cli: Cli) -> None:
    instance_id = cli.start("noop", "--wait").splitlines()[0]
    rows = cli.run("get", instance_id).stdout.decode().splitlines()
    assert rows[-1].split() == ["noop", "SUCCESS", "100%"]
    watched = cli.run("watch", instance_id).stdout.decode().splitlines()
    assert watched[0].endswith("tasks: noop SUCCESS 100%"), watched
