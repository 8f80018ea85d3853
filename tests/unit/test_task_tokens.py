"""Task tokens: what they grant, and that tampered or expired ones grant nothing."""

from __future__ import annotations

import pytest

from taskstreamd.access.task_tokens import Grant, TaskTokenError, TaskTokens, is_task_token


def test_a_token_grants_its_project_and_owner_until_it_expires() -> None:
    now = [1_000_000.0]
    tokens = TaskTokens(b"secret", clock=lambda: now[0])
    token = tokens.mint("algo_public", "alice", hours=1)
    assert is_task_token(token)
    assert tokens.verify(token) == Grant("algo_public", "alice")
    now[0] += 3600
    with pytest.raises(TaskTokenError, match="expired"):
        tokens.verify(token)


def test_a_changed_body_or_another_secret_is_refused() -> None:
    tokens = TaskTokens(b"secret")
    body, _, signature = tokens.mint("p", "alice").partition(".")[2].partition(".")
    other = TaskTokens(b"secret").mint("q", "alice").partition(".")[2].partition(".")[0]
    with pytest.raises(TaskTokenError):
        tokens.verify(f"task.{other}.{signature}")
    with pytest.raises(TaskTokenError):
        TaskTokens(b"another").verify(f"task.{body}.{signature}")
    with pytest.raises(TaskTokenError):
        tokens.verify("task.garbage")
