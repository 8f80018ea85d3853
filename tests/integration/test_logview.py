"""GetLogviewAddress hands out a signed address; the HTTP server shows that one instance and refuses others."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

import taskstream
from taskstream.cli import main as cli_main
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc
from tests.support.server import ServerProcess

MISSING = "20261121103000123abcdefgh"


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def with_query(url: str, path: str | None = None, **changes: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query.update(changes)
    return urllib.parse.urlunsplit(
        parts._replace(path=path or parts.path, query=urllib.parse.urlencode(query))
    )


def server_sent_events(url: str, last_event_id: str = "") -> Iterator[tuple[str, str, dict[str, object]]]:
    """(event, id, data) of a server-sent events stream until the server closes it."""
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        fields: dict[str, str] = {}
        for raw in response:
            line = raw.decode().rstrip("\n")
            if line:
                name, _, value = line.partition(": ")
                fields[name] = value
                continue
            if fields:
                yield fields.get("event", "message"), fields.get("id", ""), json.loads(fields["data"])
                fields = {}


@pytest.fixture
def finished(client: taskstream.Client) -> taskstream.Instance:
    instance = client.run_task("chatty", {"text": "hi there"})
    instance.wait_for_success(timeout=60)
    return instance


def test_the_address_opens_the_instance_page(server: ServerProcess, finished: taskstream.Instance) -> None:
    url = finished.get_logview_address()
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"http://{server.http_address}/logview/"
    assert (query["p"], query["i"], query["h"]) == ("tests", finished.id, server.address)
    status, content_type, body = get(url)
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert b"static/logview.js" in body
    for name in ("logview.js", "logview.css"):
        assert get(f"http://{server.http_address}/logview/static/{name}")[0] == 200
    for name in ("missing.js", "logview.html", "..%2Flogview.py"):
        assert get(f"http://{server.http_address}/logview/static/{name}")[0] == 404


def test_the_default_address_lasts_720_hours(server: ServerProcess, finished: taskstream.Instance) -> None:
    with grpc.insecure_channel(server.address) as channel:
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
        default = stub.GetLogviewAddress(pb.GetLogviewAddressRequest(name=finished.name))
        short = stub.GetLogviewAddress(pb.GetLogviewAddressRequest(name=finished.name, hours=2))
    now = dt.datetime.now(dt.UTC)
    for response, hours in ((default, 720), (short, 2)):
        left = response.expire_time.ToDatetime(tzinfo=dt.UTC) - now
        assert dt.timedelta(hours=hours, minutes=-5) < left <= dt.timedelta(hours=hours)
        assert response.expire_time.seconds == int(
            dict(urllib.parse.parse_qsl(response.url))["token"].split(".")[0]
        )


def test_bad_tokens_get_a_403_page(client: taskstream.Client, finished: taskstream.Instance) -> None:
    url = client.get_logview_address(finished.id, hours=1)
    other = client.run_task("echo", {})
    token = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["token"]
    expires, _, signature = token.partition(".")
    bad = [
        with_query(url, token=token[:-2] + ("AA" if not token.endswith("AA") else "BB")),  # tampered
        with_query(url, token=f"{int(expires) + 3600}.{signature}"),  # a longer life
        with_query(url, token=""),
        with_query(url, i=other.id),  # another instance
        with_query(url, p="elsewhere"),
    ]
    for address in bad:
        status, content_type, body = get(address)
        assert (status, content_type) == (403, "text/html; charset=utf-8"), address
        assert b"Access denied" in body
        assert finished.id.encode() not in body
        for path in ("/logview/events", "/logview/output", "/logview/result"):
            assert get(with_query(address, path=path, task="chatty"))[0] == 403


def test_the_events_are_the_watch_stream(client: taskstream.Client, finished: taskstream.Instance) -> None:
    url = with_query(finished.get_logview_address(), path="/logview/events")
    events = list(server_sent_events(url))
    kinds = [kind for kind, _, _ in events]
    assert kinds == ["snapshot", "done"]  # a terminated instance: its terminal snapshot, then the end
    snapshot = events[0][2]
    assert snapshot["status"] == "INSTANCE_STATUS_TERMINATED"
    assert events[0][1] == str(snapshot["seq"])
    # the result and the output the page shows
    status, _, body = get(with_query(url, path="/logview/result", task="chatty"))
    assert status == 200
    assert json.loads(body)["result"] == {"text": "HI THERE"}
    chunks = list(server_sent_events(with_query(url, path="/logview/output", task="chatty")))
    assert chunks[-1][0] == "done"
    assert any(c[2]["stream"] == "stdout" for c in chunks[:-1])


def test_unknown_instances_and_bad_hours_are_refused(client: taskstream.Client) -> None:
    with pytest.raises(taskstream.errors.NotFoundError):
        client.get_logview_address(MISSING)
    instance = client.run_task("echo", {})
    with pytest.raises(taskstream.errors.InvalidArgumentError):
        instance.get_logview_address(hours=0)


def test_the_cli_prints_the_address(
    server: ServerProcess, finished: taskstream.Instance, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        cli_main(
            [
                "logview",
                finished.id,
                "--hours",
                "3",
                "--no-open",
                "--server",
                server.address,
                "--project",
                "tests",
            ]
        )
        == 0
    )
    url = capsys.readouterr().out.strip()
    assert url.startswith(f"http://{server.http_address}/logview/?")
    assert get(url)[0] == 200
    assert cli_main(["logview", MISSING, "--server", server.address, "--project", "tests"]) == 3


def test_a_reconnecting_page_resumes_after_its_last_event_id(
    client: taskstream.Client, tmp_path: Path
) -> None:
    # Held, so the page opens before anything runs and its first event is known: the task's
    # SUSPENDED -> WAITING, followed by the instance's SUSPENDED -> RUNNING (a status change, never coalesced).
    instance = client.run_task("steps", {"gates": str(tmp_path), "count": 2}, hold=True)
    url = with_query(instance.get_logview_address(hours=1), path="/logview/events")
    first = server_sent_events(url)
    kind, _, _ = next(first)
    assert kind == "snapshot"
    instance.resume()
    kind, seq, _ = next(first)
    first.close()
    assert kind == "event" and seq == "1"
    for gate in ("0", "1"):
        (tmp_path / gate).touch()
    resumed = list(server_sent_events(url, last_event_id=seq))
    kinds = [kind for kind, _, _ in resumed]
    assert kinds[0] == "event" and kinds[-2:] == ["snapshot", "done"], kinds
    seqs = [int(s) for _, s, _ in resumed if s]
    assert seqs[0] == int(seq) + 1 and seqs == sorted(seqs)  # nothing repeated, nothing skipped at the start


async def test_the_aio_client_hands_out_addresses(
    server: ServerProcess, finished: taskstream.Instance
) -> None:
    async with taskstream.aio.connect(server.address, project="tests") as client:
        url = await client.get_logview_address(finished.id, hours=5)
        assert url.startswith(f"http://{server.http_address}/logview/?")
        assert await client.get_instance(finished.id).get_logview_address() != url
