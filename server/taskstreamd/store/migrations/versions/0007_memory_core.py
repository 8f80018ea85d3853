"""The core that keeps active instances in memory: the indexes that served a database-driven scheduler
go (every status change moved them), active instances get a small partial index for recovery, task ids
come from a counter the core reserves in blocks, and replicas (each listed with its address while it
lives) claim shards of instances and share a secret to call each other.

Revision ID: 0007_memory_core
Revises: 0006_bigint_task_refs
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_memory_core"
down_revision = "0006_bigint_task_refs"

_DROPPED = (
    ("ix_tasks_status", ["status"]),
    ("ix_tasks_instance_status", ["instance_id", "status"]),
    ("ix_tasks_worker", ["worker"]),
    ("ix_tasks_lease_expires", ["lease_expires"]),
    ("ix_tasks_instance_index", ["instance_id", "index"]),
)


def upgrade() -> None:
    for name, _ in _DROPPED:
        op.drop_index(name, "tasks")
    op.create_index(
        "ix_instances_active",
        "instances",
        ["id"],
        sqlite_where=sa.text("status <> 3"),
        postgresql_where=sa.text("status <> 3"),
    )
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    highest = op.get_bind().execute(sa.text("SELECT max(id) FROM tasks")).scalar() or 0
    op.bulk_insert(counters, [{"name": "task_id", "value": int(highest) + 1}])
    op.create_table(
        "shards",
        sa.Column("shard", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("owner", sa.String(64), nullable=False, server_default=""),
        sa.Column("address", sa.String(256), nullable=False, server_default=""),
        sa.Column("epoch", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=True),
    )

    op.create_table(
        "replicas",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("address", sa.String(256), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cluster",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cluster")
    op.drop_table("replicas")
    op.drop_table("shards")
    op.drop_table("counters")
    op.drop_index("ix_instances_active", "instances")
    for name, columns in _DROPPED:
        op.create_index(name, "tasks", columns)
