"""Scheduling semantics (issue 22): instances get their rarer options as JSON, a start time and the expiry
of a retention of their own; tasks get their retry policy, dependencies and concurrency key as JSON, the
attempts their retry policy retried and the end of their backoff; a tombstone says whether retention or
a caller deleted the instance.

Revision ID: 0008_scheduling
Revises: 0007_memory_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_scheduling"
down_revision = "0007_memory_core"


def upgrade() -> None:
    # Plain ADD COLUMN (nullable or with a default): no table is copied, on SQLite either.
    op.add_column("instances", sa.Column("options_json", sa.Text, nullable=True))
    op.add_column("instances", sa.Column("start_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("instances", sa.Column("expire_time", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_instances_expire_time",
        "instances",
        ["expire_time"],
        sqlite_where=sa.text("expire_time IS NOT NULL"),
        postgresql_where=sa.text("expire_time IS NOT NULL"),
    )
    op.add_column("tasks", sa.Column("scheduling_json", sa.Text, nullable=True))
    op.add_column("tasks", sa.Column("history_json", sa.Text, nullable=True))
    op.add_column("tasks", sa.Column("retry_time", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "instance_tombstones", sa.Column("reason", sa.String(32), nullable=False, server_default="expired")
    )


def downgrade() -> None:
    with op.batch_alter_table("instance_tombstones") as table:
        table.drop_column("reason")
    with op.batch_alter_table("tasks") as table:
        table.drop_column("retry_time")
        table.drop_column("history_json")
        table.drop_column("scheduling_json")
    op.drop_index("ix_instances_expire_time", "instances")
    with op.batch_alter_table("instances") as table:
        table.drop_column("expire_time")
        table.drop_column("start_at")
        table.drop_column("options_json")
