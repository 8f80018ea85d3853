"""Instances keep the W3C trace context of the call that created them (a server with tracing on), which
every assignment of their tasks carries to the worker.

Revision ID: 0009_trace_context
Revises: 0008_scheduling
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_trace_context"
down_revision = "0008_scheduling"


def upgrade() -> None:
    op.add_column("instances", sa.Column("traceparent", sa.String(55), nullable=False, server_default=""))
    op.add_column("instances", sa.Column("tracestate", sa.String(512), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("instances") as table:
        table.drop_column("tracestate")
        table.drop_column("traceparent")
