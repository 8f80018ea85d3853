"""Schedules (issue 22): a table of schedules, and on each instance the schedule that started it.

Revision ID: 0009_schedules
Revises: 0008_scheduling
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_schedules"
down_revision = "0008_scheduling"


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


def downgrade() -> None:
    with op.batch_alter_table("instances") as table:
        table.drop_column("schedule")
    op.drop_table("schedules")
