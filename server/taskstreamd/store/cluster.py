"""What the replicas sharing one PostgreSQL database keep there about each other: who is alive and where
(``replicas``), who owns which shard of instances (``shards``), and the secret their calls to each other
carry (``cluster``).

Each function is a job for the writer's thread (``Writer.run``): a transaction of its own between commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from taskstreamd.store.statements import Statements


@dataclass(frozen=True)
class Replica:
    id: str
    address: str


@dataclass(frozen=True)
class ShardOwner:
    shard: int
    owner: str
    address: str
    epoch: int
    live: bool  # its lease has not run out


def ensure_shards(sql: Statements, count: int):  # type: ignore[no-untyped-def]
    """A row for each shard, created by the first replica to start."""

    def job(connection: Any) -> None:
        cursor = connection.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO shards (shard, owner, address, epoch) VALUES ({sql.mark}, '', '', 0) "
                "ON CONFLICT DO NOTHING",
                [(shard,) for shard in range(count)],
            )
        finally:
            cursor.close()

    return job


def secret(sql: Statements):  # type: ignore[no-untyped-def]
    """The replicas' shared secret, made by the first one to ask."""

    def job(connection: Any) -> str:
        cursor = connection.cursor()
        try:
            cursor.execute(
                f"INSERT INTO cluster (key, value) VALUES ('secret', {sql.mark}) ON CONFLICT DO NOTHING",
                (secrets.token_urlsafe(32),),
            )
            cursor.execute("SELECT value FROM cluster WHERE key = 'secret'")
            (value,) = cursor.fetchone()
            return str(value)
        finally:
            cursor.close()

    return job


def heartbeat(sql: Statements, replica: Replica, now: datetime, lease: timedelta):  # type: ignore[no-untyped-def]
    """Renews this replica's row, and its shards' leases; the live replicas, and every shard's owner."""
    m = sql.mark

    def job(connection: Any) -> tuple[list[Replica], list[ShardOwner]]:
        cursor = connection.cursor()
        try:
            until = sql.time(now + lease)
            cursor.execute(
                f"INSERT INTO replicas (id, address, expires) VALUES ({m}, {m}, {m}) "
                "ON CONFLICT (id) DO UPDATE SET address = excluded.address, expires = excluded.expires",
                (replica.id, replica.address, until),
            )
            cursor.execute(f"UPDATE shards SET expires = {m} WHERE owner = {m}", (until, replica.id))
            cursor.execute(f"DELETE FROM replicas WHERE expires < {m}", (sql.time(now - lease),))
            cursor.execute(
                f"SELECT id, address FROM replicas WHERE expires >= {m} ORDER BY id", (sql.time(now),)
            )
            live = [Replica(r[0], r[1]) for r in cursor.fetchall()]
            cursor.execute("SELECT shard, owner, address, epoch, expires FROM shards ORDER BY shard")
            owners = [
                ShardOwner(r[0], r[1], r[2], r[3], bool(r[1]) and r[4] is not None and _after(r[4], now, sql))
                for r in cursor.fetchall()
            ]
            return live, owners
        finally:
            cursor.close()

    return job


def claim(sql: Statements, replica: Replica, shard: int, now: datetime, lease: timedelta):  # type: ignore[no-untyped-def]
    """Takes a shard whose lease ran out (or that nobody owns); its new epoch, or None when another
    replica holds it."""
    m = sql.mark

    def job(connection: Any) -> int | None:
        cursor = connection.cursor()
        try:
            cursor.execute(
                f"UPDATE shards SET owner = {m}, address = {m}, epoch = epoch + 1, expires = {m} "
                f"WHERE shard = {m} AND (owner = '' OR expires IS NULL OR expires < {m}) RETURNING epoch",
                (replica.id, replica.address, sql.time(now + lease), shard, sql.time(now)),
            )
            found = cursor.fetchone()
            return None if found is None else int(found[0])
        finally:
            cursor.close()

    return job


def release(sql: Statements, replica: Replica, shard: int):  # type: ignore[no-untyped-def]
    """Gives a shard up (another replica may claim it at once)."""
    m = sql.mark

    def job(connection: Any) -> None:
        cursor = connection.cursor()
        try:
            cursor.execute(
                f"UPDATE shards SET owner = '', expires = NULL WHERE shard = {m} AND owner = {m}",
                (shard, replica.id),
            )
        finally:
            cursor.close()

    return job


def leave(sql: Statements, replica: Replica):  # type: ignore[no-untyped-def]
    """A replica that stops gives up its shards and its row."""
    m = sql.mark

    def job(connection: Any) -> None:
        cursor = connection.cursor()
        try:
            cursor.execute(f"UPDATE shards SET owner = '', expires = NULL WHERE owner = {m}", (replica.id,))
            cursor.execute(f"DELETE FROM replicas WHERE id = {m}", (replica.id,))
        finally:
            cursor.close()

    return job


def _after(value: Any, now: datetime, sql: Statements) -> bool:
    if isinstance(value, str):  # SQLite keeps times as text in one sortable format
        return value >= (sql.time(now) or "")
    if value.tzinfo is None:
        value = value.replace(tzinfo=now.tzinfo)
    return bool(value >= now)
