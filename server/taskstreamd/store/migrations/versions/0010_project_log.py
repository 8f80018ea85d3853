"""Each project's log of instance-level changes (created, status, deleted), numbered per project in
commit order, for project watches (WatchInstances).

Revision ID: 0010_project_log
Revises: 0009_trace_context
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_project_log"
down_revision = "0009_trace_context"


def upgrade() -> None:
    op.create_table(
        "project_logs",
        sa.Column("project", sa.String(128), primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("trimmed_seq", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "project_events",
        sa.Column("project", sa.String(128), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("instance_id", sa.String(32), nullable=False),
        sa.Column("instance_seq", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_project_events_instance_id", "project_events", ["instance_id"])
    op.create_index("ix_project_events_time", "project_events", ["time"])


def downgrade() -> None:
    op.drop_table("project_events")
    op.drop_table("project_logs")
