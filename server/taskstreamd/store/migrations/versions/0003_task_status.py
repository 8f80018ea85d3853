"""An index on a task's instance and status, so a task's end can tell whether its instance ended without
reading every other task of the instance.

Revision ID: 0003_task_status
Revises: 0002
"""

from alembic import op

revision = "0003_task_status"
down_revision = "0002"


def upgrade() -> None:
    op.create_index("ix_tasks_instance_status", "tasks", ["instance_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_tasks_instance_status", "tasks")
