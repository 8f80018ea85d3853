"""How a worker authenticates: the bearer token from a file or the environment, and its TLS files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from taskstreamd.workers.connection import TOKEN_ENV, ServerAccess


def test_the_token_file_wins_over_the_environment_and_is_sent_as_a_bearer_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "from-env")
    token = tmp_path / "token"
    token.write_text("from-file\n")
    assert ServerAccess.load(token_file=str(token)).metadata() == (("authorization", "Bearer from-file"),)
    assert TOKEN_ENV not in os.environ  # taken out either way, so that task processes do not inherit it
    monkeypatch.setenv(TOKEN_ENV, "from-env")
    assert ServerAccess.load().metadata() == (("authorization", "Bearer from-env"),)
    assert TOKEN_ENV not in os.environ


def test_no_token_sends_no_authorization_and_no_tls_file_means_plaintext(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    access = ServerAccess.load()
    assert access.metadata() == () and not access.tls


def test_mutual_tls_needs_both_the_certificate_and_its_key(tmp_path: Path) -> None:
    cert = tmp_path / "client.pem"
    cert.write_text("not checked here")
    with pytest.raises(ValueError, match="both"):
        ServerAccess.load(tls_cert=str(cert))
    assert ServerAccess.load(tls_ca=str(cert)).tls
