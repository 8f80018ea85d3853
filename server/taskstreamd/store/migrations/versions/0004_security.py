"""Persisted first answers of requests with a request_id, and tombstones of expired instances.

Revision ID: 0004_security
Revises: 0003_task_status
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_security"
down_revision = "0003_task_status"


def upgrade() -> None:
    op.create_table(
        "request_records",
        sa.Column("project", sa.String(128), primary_key=True),
        sa.Column("method", sa.String(16), primary_key=True),
        sa.Column("request_id", sa.String(256), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("instance_id", sa.String(32), nullable=False),
        sa.Column("response", sa.LargeBinary, nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_request_records_instance_id", "request_records", ["instance_id"])
    op.create_table(
        "instance_tombstones",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("project", sa.String(128), nullable=False),
        sa.Column("successful", sa.Boolean, nullable=False),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delete_time", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("instance_tombstones")
    op.drop_index("ix_request_records_instance_id", "request_records")
    op.drop_table("request_records")
