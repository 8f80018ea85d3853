"""Task references as 64-bit integers, like tasks.id (PostgreSQL: SQLite's INTEGER is 64-bit already).

Revision ID: 0006_bigint_task_refs
Revises: 0005_leases
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_bigint_task_refs"
down_revision = "0005_leases"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("task_properties", "task_output"):
        op.alter_column(table, "task_id", type_=sa.BigInteger, existing_type=sa.Integer)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("task_properties", "task_output"):
        op.alter_column(table, "task_id", type_=sa.Integer, existing_type=sa.BigInteger)
