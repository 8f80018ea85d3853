"""This server process's identity among the replicas sharing one database.

Worker session ids start with it, so the tasks a replica's workers hold can be told apart in the shared
store, and a replica that is gone (its listening connection to PostgreSQL closed) can be recognised.
"""

from __future__ import annotations

import secrets

REPLICA_ID = "r" + secrets.token_hex(5)


def replica_of(worker_id: str) -> str:
    """The replica a worker session id belongs to ("" for ids from before replicas)."""
    head, sep, _ = worker_id.partition("/")
    return head if sep else ""
