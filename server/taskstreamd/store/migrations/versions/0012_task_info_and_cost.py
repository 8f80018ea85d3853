"""Issue 23: a task's info (key/values callers put on it from outside) and what its latest attempt cost.

Revision ID: 0012_task_info_and_cost
Revises: 0011_schedules
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_task_info_and_cost"
down_revision = "0011_schedules"


def upgrade() -> None:
    op.create_table(
        "task_info",
        sa.Column("task_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("key", sa.String(256), primary_key=True),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
    )
    # Plain ADD COLUMN (nullable): no table is copied, on SQLite either.
    op.add_column("tasks", sa.Column("cpu_seconds", sa.Float, nullable=True))
    op.add_column("tasks", sa.Column("memory_peak_bytes", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as table:
        table.drop_column("memory_peak_bytes")
        table.drop_column("cpu_seconds")
    op.drop_table("task_info")
