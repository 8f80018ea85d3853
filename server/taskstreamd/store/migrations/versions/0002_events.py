"""The per-instance event log behind WatchInstance.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("instances", sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"))
    op.add_column("tasks", sa.Column("progress_seq", sa.BigInteger, nullable=False, server_default="0"))
    op.create_table(
        "instance_events",
        sa.Column(
            "instance_id",
            sa.String(32),
            sa.ForeignKey("instances.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("instance_events")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("progress_seq")
    with op.batch_alter_table("instances") as batch:
        batch.drop_column("last_seq")
