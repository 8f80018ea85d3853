"""Instances keep the W3C trace context of the call that created them (a server with tracing on), which
every assignment of their tasks carries to the worker.

Revision ID: 0008_trace_context
Revises: 0007_memory_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_trace_context"
down_revision = "0007_memory_core"


def upgrade() -> None:
    op.add_column("instances", sa.Column("traceparent", sa.String(55), nullable=False, server_default=""))
    op.add_column("instances", sa.Column("tracestate", sa.String(512), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("instances") as table:
        table.drop_column("tracestate")
        table.drop_column("traceparent")
