"""Logview tokens grant one instance until they expire, and nothing else."""

from __future__ import annotations

import stat
import urllib.parse
from pathlib import Path

import pytest

from taskstreamd.access.logview_links import LogviewLinks
from taskstreamd.access.logview_tokens import Signer, TokenError, load_secret
from taskstreamd.cli import parse, parser


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def signer(clock: Clock) -> Signer:
    return Signer(b"k" * 32, clock)


def test_a_token_grants_its_instance_until_it_expires(signer: Signer, clock: Clock) -> None:
    token, expires = signer.sign("p", "20261121103000123abcdefgh", hours=2)
    assert expires == clock.now + 7200
    assert signer.verify(token, "p", "20261121103000123abcdefgh") == expires
    clock.now = expires - 1
    signer.verify(token, "p", "20261121103000123abcdefgh")


def test_an_expired_token_is_refused(signer: Signer, clock: Clock) -> None:
    token, expires = signer.sign("p", "i1", hours=1)
    clock.now = expires
    with pytest.raises(TokenError, match="expired"):
        signer.verify(token, "p", "i1")


@pytest.mark.parametrize(("project", "instance_id"), [("p", "i2"), ("q", "i1"), ("p/i", "1")])
def test_a_token_grants_no_other_instance(signer: Signer, project: str, instance_id: str) -> None:
    token, _ = signer.sign("p", "i1")
    with pytest.raises(TokenError, match="not valid"):
        signer.verify(token, project, instance_id)


def test_a_tampered_token_is_refused(signer: Signer) -> None:
    token, expires = signer.sign("p", "i1", hours=1)
    signature = token.partition(".")[2]
    later = f"{expires + 3600 * 24 * 365}.{signature}"  # a longer life with the same signature
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (later, flipped, "", "abc", f"{expires}.", f".{signature}", f"-1.{signature}"):
        with pytest.raises(TokenError):
            signer.verify(bad, "p", "i1")


def test_another_secret_refuses_the_token(signer: Signer, clock: Clock) -> None:
    token, _ = signer.sign("p", "i1")
    with pytest.raises(TokenError):
        Signer(b"x" * 32, clock).verify(token, "p", "i1")


def test_the_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = load_secret(tmp_path)
    assert len(first) == 32
    assert stat.S_IMODE((tmp_path / "logview.key").stat().st_mode) == 0o600
    assert load_secret(tmp_path) == first  # so addresses survive a restart


def test_addresses_live_under_the_public_url(signer: Signer) -> None:
    links = LogviewLinks(signer, public_url="https://logview.example/ts/", server="grpc.example:443")
    url, expires = links.address("p", "i1", hours=1)
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://logview.example/ts/logview/"
    assert (query["h"], query["p"], query["i"]) == ("grpc.example:443", "p", "i1")
    assert signer.verify(query["token"], "p", "i1") == expires.timestamp()


def test_the_public_url_option_wants_an_http_url() -> None:
    assert (
        parser().parse_args(["serve", "--public-url", "https://a.example/"]).public_url == "https://a.example"
    )
    assert parse(["serve"], {}).public_url is None
    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--public-url", "a.example"])
