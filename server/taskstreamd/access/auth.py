"""Bearer-token authentication and what each principal may do, per project.

The tokens file (``taskstreamd serve --auth-file FILE``) is TOML::

    [[token]]
    principal = "alice"
    token = "a-long-random-secret"   # or: sha256 = "<hex SHA-256 of the token>"
    read = ["analytics"]             # projects it may read; "*" means every project
    write = ["analytics"]            # projects it may create in and stop in (implies read)
    submit_code = false              # may submit Python-object tasks (runs its code on workers)
    worker = false                   # may connect as a worker: true (every project's tasks) or a list
                                     # of projects whose tasks it gets, e.g. ["analytics"]
    metrics = false                  # may read /metrics and the status page / of the web port

Callers send ``authorization: Bearer <token>``. Only SHA-256 digests are kept in memory.
Without a tokens file, authentication is off and every caller may do everything, named by the
``x-taskstream-user`` metadata it declares.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskstreamd.access import task_tokens
from taskstreamd.errors import PermissionDenied, Unauthenticated

AUTHORIZATION = "authorization"
USER_METADATA = "x-taskstream-user"
ANY_PROJECT = "*"
LOCAL_WORKER = "taskstreamd-local-worker"


@dataclass(frozen=True)
class Principal:
    name: str
    read: frozenset[str] = frozenset()
    write: frozenset[str] = frozenset()
    submit_code: bool = False
    worker: bool = False
    metrics: bool = False  # server-wide figures: /metrics and the status page
    worker_projects: frozenset[str] = frozenset({ANY_PROJECT})  # whose tasks it runs, as a worker

    def worker_scope(self) -> frozenset[str] | None:
        """The projects whose tasks this worker principal may be given; None means every project."""
        return None if ANY_PROJECT in self.worker_projects else self.worker_projects

    def can_write(self, project: str) -> bool:
        return ANY_PROJECT in self.write or project in self.write

    def can_read(self, project: str) -> bool:
        return self.can_write(project) or ANY_PROJECT in self.read or project in self.read


_EVERYTHING = frozenset({ANY_PROJECT})


@functools.lru_cache(maxsize=1024)  # one per caller name, not one per call; Principal is immutable
def _everything(name: str) -> Principal:
    return Principal(name, _EVERYTHING, _EVERYTHING, submit_code=True, worker=True, metrics=True)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Authenticator:
    """Maps a call's metadata to its Principal; ``enabled`` is False when no tokens file was given."""

    def __init__(self, principals: Mapping[str, Principal] | None = None) -> None:
        self.enabled = principals is not None
        self._by_digest: dict[str, Principal] = dict(principals or {})
        self.task_tokens: task_tokens.TaskTokens | None = None  # set by the server once it has its secret

    def authenticate(self, metadata: Iterable[tuple[str, Any]] | None) -> Principal:
        token, user = "", ""
        for key, value in metadata or ():
            if key == AUTHORIZATION and isinstance(value, str):
                token = value
            elif key == USER_METADATA and isinstance(value, str):
                user = value[:256]
        if not self.enabled:
            return _everything(user or "anonymous")
        scheme, _, credential = token.partition(" ")
        if not token:
            raise Unauthenticated("TOKEN_MISSING", "this server requires 'authorization: Bearer <token>'")
        if scheme.lower() != "bearer" or not credential.strip():
            raise Unauthenticated("TOKEN_MALFORMED", "the authorization metadata must be 'Bearer <token>'")
        credential = credential.strip()
        if self.task_tokens is not None and task_tokens.is_task_token(credential):
            try:
                grant = self.task_tokens.verify(credential)
            except task_tokens.TaskTokenError as exc:
                raise Unauthenticated("TOKEN_INVALID", str(exc)) from exc
            # A workflow's task acts as its instance's owner, in that instance's project only.
            project = frozenset({grant.project})
            return Principal(grant.owner, read=project, write=project)
        principal = self._by_digest.get(digest(credential))
        if principal is None:
            raise Unauthenticated("TOKEN_INVALID", "the bearer token is not valid")
        return principal

    def principal_named(self, name: str) -> Principal:
        """What principal ``name`` may do as the tokens file says now (every entry of that name together):
        a schedule's instances run with their creator's permissions as they are at each firing."""
        if not self.enabled:
            return _everything(name)
        found = [p for p in self._by_digest.values() if p.name == name and p.name != LOCAL_WORKER]
        return Principal(
            name,
            read=frozenset().union(*(p.read for p in found)),
            write=frozenset().union(*(p.write for p in found)),
            submit_code=any(p.submit_code for p in found),
        )

    def mint_worker_token(self) -> str:
        """A fresh token, valid until the server exits, for the local workers the server starts."""
        token = secrets.token_urlsafe(32)
        self._by_digest[digest(token)] = Principal(LOCAL_WORKER, worker=True)
        return token


def load(path: Path) -> Authenticator:
    """The Authenticator for a tokens file; ValueError naming the entry for anything malformed."""
    with path.open("rb") as f:
        try:
            document = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: {exc}") from exc
    entries = document.get("token", [])
    if not isinstance(entries, list):
        raise ValueError(f"{path}: 'token' must be an array of tables ([[token]])")
    principals: dict[str, Principal] = {}
    for i, entry in enumerate(entries):
        where = f"{path}: token entry {i + 1}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: must be a table")
        key, principal = _entry(entry, where)
        if key in principals:
            raise ValueError(f"{where}: the same token appears twice")
        principals[key] = principal
    return Authenticator(principals)


_FLAGS = ("submit_code", "worker", "metrics")  # the true / false permissions of an entry


def _entry(entry: dict[str, Any], where: str) -> tuple[str, Principal]:
    unknown = set(entry) - {"principal", "token", "sha256", "read", "write", *_FLAGS}
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    name = entry.get("principal")
    if not isinstance(name, str) or not name or len(name) > 256:
        raise ValueError(f"{where}: 'principal' must be a name of 1 to 256 characters")
    token, hashed = entry.get("token"), entry.get("sha256")
    if (token is None) == (hashed is None):
        raise ValueError(f"{where}: give exactly one of 'token' and 'sha256'")
    if token is not None:
        if not isinstance(token, str) or len(token) < 16:
            raise ValueError(f"{where}: 'token' must be a string of at least 16 characters")
        key = digest(token)
    else:
        if (
            not isinstance(hashed, str)
            or len(hashed) != 64
            or any(c not in "0123456789abcdef" for c in hashed)
        ):
            raise ValueError(f"{where}: 'sha256' must be 64 lowercase hex digits")
        key = hashed
    flags = {}
    for flag in ("submit_code", "metrics"):
        value = entry.get(flag, False)
        if not isinstance(value, bool):
            raise ValueError(f"{where}: '{flag}' must be true or false")
        flags[flag] = value
    worker = entry.get("worker", False)
    worker_projects = _EVERYTHING
    if isinstance(worker, list):
        worker_projects = _projects(entry, "worker", where)
        if not worker_projects:
            raise ValueError(f"{where}: 'worker' lists no project (write false to deny)")
    elif not isinstance(worker, bool):
        raise ValueError(f"{where}: 'worker' must be true, false or a list of project names")
    return key, Principal(
        name,
        _projects(entry, "read", where),
        _projects(entry, "write", where),
        submit_code=flags["submit_code"],
        worker=bool(worker),
        worker_projects=worker_projects,
        metrics=flags["metrics"],
    )


def _projects(entry: dict[str, Any], key: str, where: str) -> frozenset[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
        raise ValueError(f"{where}: '{key}' must be a list of project names")
    return frozenset(value)


def require_read(principal: Principal, project: str) -> None:
    if not principal.can_read(project):
        raise PermissionDenied("PROJECT_READ_DENIED", f"{principal.name!r} may not read project {project!r}")


def require_write(principal: Principal, project: str) -> None:
    if not principal.can_write(project):
        raise PermissionDenied(
            "PROJECT_WRITE_DENIED", f"{principal.name!r} may not change instances in project {project!r}"
        )


def require_code(principal: Principal) -> None:
    if not principal.submit_code:
        raise PermissionDenied(
            "CODE_SUBMISSION_DENIED", f"{principal.name!r} may not submit Python-object tasks"
        )


def require_worker(principal: Principal) -> None:
    if not principal.worker:
        raise PermissionDenied("WORKER_DENIED", f"{principal.name!r} may not connect as a worker")
