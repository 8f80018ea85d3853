"""Task leases renewed by worker heartbeats, the reason of the last interruption, required worker labels.

Revision ID: 0005_leases
Revises: 0004_security
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_leases"
down_revision = "0004_security"


def upgrade() -> None:
    op.add_column("tasks", sa.Column("lease_expires", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tasks", sa.Column("interruption_reason", sa.Text, nullable=False, server_default=""))
    op.add_column("tasks", sa.Column("required_labels_json", sa.Text, nullable=False, server_default="{}"))
    op.create_index("ix_tasks_lease_expires", "tasks", ["lease_expires"])


def downgrade() -> None:
    op.drop_index("ix_tasks_lease_expires", "tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("required_labels_json")
        batch.drop_column("interruption_reason")
        batch.drop_column("lease_expires")
