"""Schedules (issue 22): a table of schedules, and on each instance the schedule that started it; the
output of a task's earlier attempts, kept when a retry starts afresh.

Revision ID: 0011_schedules
Revises: 0010_project_log
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_schedules"
down_revision = "0010_project_log"


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("project", sa.String(128), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(256), nullable=False),
        sa.Column("cron", sa.String(256), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("interval", sa.Float, nullable=True),
        sa.Column("template", sa.LargeBinary, nullable=False),
        sa.Column("code", sa.Boolean, nullable=False),
        sa.Column("overlap", sa.Integer, nullable=False),
        sa.Column("catch_up_window", sa.Float, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fired_through", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_fire_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_instance", sa.String(32), nullable=False),
        sa.Column("fire_count", sa.BigInteger, nullable=False),
        sa.Column("skip_count", sa.BigInteger, nullable=False),
        sa.Column("miss_count", sa.BigInteger, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("last_error_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("request_id", sa.String(256), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("answer", sa.LargeBinary, nullable=True),
    )
    # Plain ADD COLUMN (nullable): no table is copied, on SQLite either.
    op.add_column("instances", sa.Column("schedule", sa.String(256), nullable=True))
    op.create_table(
        "task_output_archive",
        sa.Column("task_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("attempt", sa.Integer, primary_key=True),
        sa.Column("stream", sa.Integer, primary_key=True),
        sa.Column("offset", sa.BigInteger, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("task_output_archive")
    with op.batch_alter_table("instances") as table:
        table.drop_column("schedule")
    op.drop_table("schedules")
