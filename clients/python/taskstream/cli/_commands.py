"""One function per subcommand: each talks to the server through the Client and returns the exit code."""

from __future__ import annotations

import argparse
import difflib
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import taskstream
from taskstream import CancellationReason, Instance, InstanceStatus, TaskStatus, WaitingReason
from taskstream.cli import _format
from taskstream.cli._exit import CliError, ExitCode, names_no_instance
from taskstream.cli._lines import event_line
from taskstream.cli._schedules import schedules
from taskstream.cli._view import WatchView
from taskstream.errors import FailedPreconditionError, InvalidArgumentError

Command = Callable[[taskstream.Client, argparse.Namespace], ExitCode]


def load_instance(client: taskstream.Client, ref: str) -> Instance:
    """The instance ``ref`` (an id or full name), fetched; NOT_FOUND also when no instance can have it."""
    instance = client.get_instance(ref)
    try:
        instance.reload()
    except InvalidArgumentError as error:
        if names_no_instance(error):
            raise CliError(
                f"instance {ref!r} not found in project {instance.project}", ExitCode.NOT_FOUND
            ) from None
        raise
    return instance


def finished(instance: Instance) -> ExitCode:
    """The exit code of a terminated instance: OK when every task succeeded, else UNSUCCESSFUL after
    telling on stderr what went wrong with each task that did not succeed."""
    if instance.is_successful():
        return ExitCode.OK
    print_errors(_format.failure_lines(instance))
    return ExitCode.UNSUCCESSFUL


def print_lines(lines: list[str]) -> None:
    sys.stdout.write("".join(line + "\n" for line in lines))
    sys.stdout.flush()


def print_errors(lines: list[str]) -> None:
    """Lines for a person, on stderr, after whatever stdout holds so far."""
    sys.stdout.flush()
    sys.stderr.write("".join(f"taskstream: {line}\n" for line in lines))
    sys.stderr.flush()


def run(client: taskstream.Client, args: argparse.Namespace) -> ExitCode:
    if args.timeout is not None and not args.wait:
        raise CliError("--timeout needs --wait", ExitCode.USAGE)
    params = dict(args.params_json or {})
    params.update(args.params)
    offered = [t.name for t in client.list_task_types()]
    instance = client.run_task(args.type, params, args.name, priority=args.priority)
    if args.type not in offered:  # a strict server refused it above; any other queues it
        print_errors(_unoffered(args.type, offered))
    if not args.wait:
        print_lines([_instance_json(instance) if args.json else instance.id])
        return ExitCode.OK
    if not args.json:
        print_lines([instance.id])  # first, so a script can act on it while the instance runs
    instance.wait_for_completion(timeout=args.timeout)
    print_lines([_instance_json(instance) if args.json else _format.outcome_line(instance)])
    return finished(instance)


def _unoffered(task_type: str, offered: list[str]) -> list[str]:
    """The warning for a task type no connected worker offers: most often a typo."""
    close = difflib.get_close_matches(task_type, offered, n=3)
    hint = f"; did you mean {' or '.join(repr(name) for name in close)}?" if close else ""
    known = ", ".join(sorted(offered)) or "none (no worker is connected)"
    return [
        f"warning: no connected worker offers task type {_format.one_line(repr(task_type))}{hint}",
        f"  the instance waits until a worker offering it connects (`taskstream types` lists them: {known})",
    ]


def _instance_json(instance: Instance) -> str:
    return _format.dumps(_format.instance_json(instance, with_tasks=True))


def ls(client: taskstream.Client, args: argparse.Namespace) -> ExitCode:
    instances = list(itertools.islice(_listed(client, args), args.limit))
    if args.json:
        print_lines([_format.dumps([_format.instance_json(i, with_tasks=False) for i in instances])])
        return ExitCode.OK
    rows = [
        [
            i.id,
            _format.outcome_word(i),
            _format.one_line(i.owner),
            str(i.priority),
            _format.local_time(i.create_time),
        ]
        for i in instances
    ]
    print_lines(_format.table(["ID", "STATUS", "OWNER", "PRIORITY", "CREATED"], rows))
    return ExitCode.OK


def _listed(client: taskstream.Client, args: argparse.Namespace) -> Iterator[Instance]:
    """The instances ``ls`` asked for, newest first: the server filters, except for a mix of outcomes
    (successful, failed) with statuses, which it cannot express, where the outcome is checked here."""
    wanted = set(args.statuses)
    outcomes = wanted & {"successful", "failed"}
    if outcomes == {"successful", "failed"}:  # both outcomes: every terminated instance
        wanted, outcomes = (wanted - outcomes) | {"terminated"}, set()
    statuses = wanted - outcomes
    successful = None if not outcomes else "successful" in outcomes
    page_size = min(args.limit, 100)
    if successful is None or not statuses:
        yield from client.list_instances(
            status=sorted(statuses) or None,
            successful=successful,
            sub_instances=args.sub_instances,
            page_size=page_size,
        )
        return
    everything = client.list_instances(
        status=sorted(statuses | {"terminated"}), sub_instances=args.sub_instances, page_size=page_size
    )
    for instance in everything:
        data = _format.instance_data(instance)
        terminated = InstanceStatus.from_proto(data.status) is InstanceStatus.TERMINATED
        if not terminated or "terminated" in statuses or data.successful == successful:
            yield instance


def get(client: taskstream.Client, args: argparse.Namespace) -> ExitCode:
    instance = load_instance(client, args.id)
    if args.json:
        print_lines([_instance_json(instance)])
    else:
        print_lines(_format.instance_text(instance, _queue_positions(instance)))
    return finished(instance) if instance.is_terminated() else ExitCode.OK


def _queue_positions(instance: taskstream.Instance) -> dict[str, int]:
    """Each queued task's place in the run queue, asked for only when a task waits as QUEUED."""
    tasks = _format.instance_data(instance).tasks
    if not any(t.waiting_reason == WaitingReason.QUEUED.value for t in tasks):
        return {}
    queueing = instance.get_queueing_info()
    return {name: t.position for name, t in queueing.tasks.items() if t.position}


def wait(client: taskstream.Client, args: argparse.Namespace) -> ExitCode:
    instances = [load_instance(client, ref) for ref in args.ids]
    instances = client.wait_instances(instances, mode="any" if args.any else "all", timeout=args.timeout)
    print_lines([_format.outcome_line(instance) for instance in instances])
    failed = [i for i in instances if i.is_terminated() and not i.is_successful()]
    for instance in failed:
        print_errors([f"instance {instance.id}:", *("  " + line for line in _format.failure_lines(instance))])
    return ExitCode.UNSUCCESSFUL if failed else ExitCode.OK


def watch(client: taskstream.Client, args: argparse.Namespace) -> ExitCode:
    instance = load_instance(client, args.id)
    view = WatchView(instance.id)
    console = _terminal_console()
    if console is not None:
        from taskstream.cli._render import follow_live

        follow_live(instance, view, console)
    else:
        for event in instance.watch():
            view.apply(event)
            print_lines([event_line(view, event)])
    if view.final is None:  # the client resumes dropped streams, so this is not expected
        raise CliError(f"the watch of {instance.id} ended before the instance terminated", ExitCode.API_ERROR)
    print_lines([_format.outcome_line(view.final)])
    return finished(view.final)


def stop(client: taskstream.Client, args: argparse.Namespace) -> ExitCode:
    """Stops the instance; one that is already terminated is what was asked for: exit 0, saying so."""
    instance = load_instance(client, args.id)
    reason = CancellationReason[args.reason.upper()] if args.reason else None
    if not instance.is_terminated():
        try:
            instance.stop(reason=reason, message=args.message)
        except FailedPreconditionError:
            instance.reload()  # it terminated meanwhile; anything else is the error it seems
            if not instance.is_terminated():
                raise
        else:
            print_lines([_format.outcome_line(instance)])
            return ExitCode.OK
    print_lines([f"{_format.outcome_line(instance)} (already; nothing to stop)"])
    return ExitCode.OK


def result(client: taskstream.Client, args: argparse.Namespace) -> ExitCode:
    instance = load_instance(client, args.id)
    name = _task_name(instance, args.task)
    task = instance.get_task(name)
    status = task.status
    if not status.is_terminal:
        raise CliError(
            f"task {name} of instance {instance.id} is {status.name}: no result yet", ExitCode.API_ERROR
        )
    if status is not TaskStatus.SUCCESS:  # no result: what went wrong, on stderr
        instance.reload()
        data = next(t for t in _format.instance_data(instance).tasks if t.name == name)
        print_errors(_format.task_failure(data))
        return ExitCode.UNSUCCESSFUL
    value = instance.get_task_result(name)  # the command's client never unpickles: objects show their repr
    sys.stdout.buffer.write(_format.result_bytes(value))
    sys.stdout.buffer.flush()
    return ExitCode.OK


def types(client: taskstream.Client, args: argparse.Namespace) -> ExitCode:
    offered = sorted(client.list_task_types(), key=lambda t: t.name)
    if args.json:
        data = [{"name": t.name, "description": t.description, "workers": t.worker_count} for t in offered]
        print_lines([_format.dumps(data)])
        return ExitCode.OK
    rows = [[_format.one_line(t.name), str(t.worker_count), _format.one_line(t.description)] for t in offered]
    print_lines(_format.table(["TYPE", "WORKERS", "DESCRIPTION"], rows))
    if not offered:
        print_errors(["no worker is connected: tasks wait until one that offers their type connects"])
    return ExitCode.OK


def logs(client: taskstream.Client, args: argparse.Namespace) -> ExitCode:
    instance = load_instance(client, args.id)
    name = _task_name(instance, args.task)
    out = sys.stdout.buffer
    for chunk in instance.get_task(name).read_output(
        "stderr" if args.stderr else "stdout", follow=args.follow
    ):
        if chunk.cut_bytes:
            out.flush()
            print(
                f"taskstream: [{chunk.cut_bytes} bytes of output were not kept by the server]",
                file=sys.stderr,
            )
        out.write(chunk.data)
        out.flush()
    return ExitCode.OK


def logview(client: taskstream.Client, args: argparse.Namespace) -> ExitCode:
    url = load_instance(client, args.id).get_logview_address(hours=args.hours)
    print_lines([url])  # always, so that a script or a person without a browser gets it
    wanted = _graphical_session() if args.open is None else args.open
    if wanted and not _open_browser(url):
        print("taskstream: no web browser is available here; open the address above", file=sys.stderr)
    return ExitCode.OK


def _terminal_console() -> Any:
    """rich's console when stdout is a terminal and rich (the ``cli`` extra) is installed, else None."""
    try:
        from rich.console import Console
    except ImportError:
        if sys.stdout.isatty():
            print("taskstream: pip install 'taskstream[cli]' for live progress bars", file=sys.stderr)
        return None
    console = Console(highlight=False)
    return console if console.is_terminal else None


def _graphical_session() -> bool:
    """Whether a browser would open in front of the person: never a text browser inside this terminal."""
    return bool(
        os.environ.get("BROWSER") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ) or (sys.platform == "darwin")


def _open_browser(url: str) -> bool:
    import webbrowser

    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


def _task_name(instance: Instance, name: str | None) -> str:
    """``name`` once checked to be a task of ``instance``; None names its only task."""
    names = instance.get_task_names()
    if name is None:
        if len(names) != 1:
            raise CliError(
                f"instance {instance.id} has {len(names)} tasks ({', '.join(names)}); name one",
                ExitCode.USAGE,
            )
        return names[0]
    if name not in names:
        raise CliError(
            f"instance {instance.id} has no task {name!r} (tasks: {', '.join(names)})", ExitCode.NOT_FOUND
        )
    return name


COMMANDS: dict[str, Command] = {
    "run": run,
    "ls": ls,
    "get": get,
    "watch": watch,
    "wait": wait,
    "stop": stop,
    "result": result,
    "logs": logs,
    "logview": logview,
    "types": types,
    "schedules": schedules,
}
