"""The tokens file and what a principal may do."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskstreamd.access import auth
from taskstreamd.errors import PermissionDenied, Unauthenticated
from taskstreamd.transport import InsecureConfiguration, check_exposure

SECRET = "a-secret-of-enough-length"


def load(tmp_path: Path, text: str) -> auth.Authenticator:
    path = tmp_path / "tokens.toml"
    path.write_text(text)
    return auth.load(path)


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def test_tokens_map_to_principals_with_their_projects(tmp_path: Path) -> None:
    authenticator = load(
        tmp_path,
        f"""
        [[token]]
        principal = "reader"
        token = "{SECRET}"
        read = ["a"]

        [[token]]
        principal = "writer"
        sha256 = "{auth.digest("another-secret-0123")}"
        write = ["*"]
        """,
    )
    reader = authenticator.authenticate(bearer(SECRET))
    assert reader.name == "reader" and reader.can_read("a")
    assert not reader.can_read("b") and not reader.can_write("a")
    writer = authenticator.authenticate(bearer("another-secret-0123"))
    assert writer.can_write("anything") and writer.can_read("anything")  # write implies read
    assert not writer.submit_code and not writer.worker
    with pytest.raises(PermissionDenied) as denied:
        auth.require_write(reader, "a")
    assert denied.value.reason == "PROJECT_WRITE_DENIED"
    auth.require_read(reader, "a")


def test_missing_malformed_and_unknown_tokens(tmp_path: Path) -> None:
    authenticator = load(tmp_path, f'[[token]]\nprincipal = "p"\ntoken = "{SECRET}"\n')
    cases = {
        "TOKEN_MISSING": [("x-taskstream-user", "p")],
        "TOKEN_MALFORMED": [("authorization", SECRET)],
        "TOKEN_INVALID": bearer("not-the-secret-at-all"),
    }
    for reason, metadata in cases.items():
        with pytest.raises(Unauthenticated) as refused:
            authenticator.authenticate(metadata)
        assert refused.value.reason == reason
    # The declared user name does not matter once tokens are required.
    assert authenticator.authenticate([*bearer(SECRET), ("x-taskstream-user", "root")]).name == "p"


def test_without_a_tokens_file_everyone_may_do_everything() -> None:
    open_door = auth.Authenticator()
    principal = open_door.authenticate([("x-taskstream-user", "ann")])
    assert principal.name == "ann" and principal.can_write("x") and principal.submit_code
    assert open_door.authenticate([]).name == "anonymous"


def test_a_minted_worker_token_may_only_connect_workers(tmp_path: Path) -> None:
    authenticator = load(tmp_path, "")
    token = authenticator.mint_worker_token()
    worker = authenticator.authenticate(bearer(token))
    auth.require_worker(worker)
    assert not worker.can_read("any")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[token]]\ntoken = "0123456789abcdefgh"\n', "'principal'"),
        ('[[token]]\nprincipal = "p"\n', "exactly one of 'token' and 'sha256'"),
        ('[[token]]\nprincipal = "p"\nsha256 = "xyz"\n', "64 lowercase hex"),
        ('[[token]]\nprincipal = "p"\ntoken = "0123456789abcdefgh"\nread = "a"\n', "'read' must be a list"),
        ('[[token]]\nprincipal = "p"\ntoken = "0123456789abcdefgh"\nadmin = true\n', "unknown keys"),
        ("token = 3\n", "array of tables"),
        ("[[token]\n", "tokens.toml"),
    ],
)
def test_malformed_files_are_refused_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load(tmp_path, text)


def test_plaintext_auth_is_refused_off_loopback() -> None:
    check_exposure("127.0.0.1", auth=True, tls=False, allow_insecure_auth=False)
    check_exposure("::1", auth=True, tls=False, allow_insecure_auth=False)
    check_exposure("0.0.0.0", auth=True, tls=True, allow_insecure_auth=False)
    check_exposure("0.0.0.0", auth=True, tls=False, allow_insecure_auth=True)
    check_exposure("0.0.0.0", auth=False, tls=False, allow_insecure_auth=False)
    for host in ("0.0.0.0", "10.1.2.3", "example.com"):
        with pytest.raises(InsecureConfiguration):
            check_exposure(host, auth=True, tls=False, allow_insecure_auth=False)
