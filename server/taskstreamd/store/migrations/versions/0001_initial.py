"""Initial schema: instances, labels, tasks, properties, output.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None

_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "instances",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("project", sa.String(128), nullable=False),
        sa.Column("owner", sa.String(256), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("successful", sa.Boolean, nullable=False),
        sa.Column("create_time", _ts, nullable=False),
        sa.Column("start_time", _ts),
        sa.Column("end_time", _ts),
        sa.Column("parent_instance", sa.String(256), nullable=False),
        sa.Column("request_id", sa.String(256)),
        sa.Column("cancel_on_task_failure", sa.Boolean, nullable=False),
        sa.Column("max_interrupted_retries", sa.Integer, nullable=False),
        sa.Column("task_timeout", sa.Float),
        sa.Column("labels_json", sa.Text, nullable=False),
        sa.UniqueConstraint("project", "request_id", name="uq_instances_project_request_id"),
    )
    op.create_index("ix_instances_project_id", "instances", ["project", "id"])
    op.create_index("ix_instances_project_status_id", "instances", ["project", "status", "id"])
    op.create_index("ix_instances_project_owner_id", "instances", ["project", "owner", "id"])
    op.create_table(
        "instance_labels",
        sa.Column(
            "instance_id", sa.String(32), sa.ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("key", sa.String(256), primary_key=True),
        sa.Column("value", sa.String(1024), nullable=False),
    )
    op.create_index("ix_instance_labels_key_value", "instance_labels", ["key", "value", "instance_id"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column(
            "instance_id", sa.String(32), sa.ForeignKey("instances.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("index", sa.Integer, nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("type", sa.String(256), nullable=False),
        sa.Column("parameters_json", sa.Text, nullable=False),
        sa.Column("python_object", sa.LargeBinary),
        sa.Column("python_environment", sa.LargeBinary),
        sa.Column("timeout", sa.Float),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("interruptions", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(256), nullable=False),
        sa.Column("assignment_id", sa.String(64), nullable=False),
        sa.Column("started", sa.Boolean, nullable=False),
        sa.Column("start_time", _ts),
        sa.Column("end_time", _ts),
        sa.Column("grace_period", sa.Float, nullable=False),
        sa.Column("progress", sa.LargeBinary),
        sa.Column("result", sa.LargeBinary),
        sa.Column("error_type", sa.String(512)),
        sa.Column("error_message", sa.Text),
        sa.Column("error_traceback", sa.Text),
        sa.Column("error_pickle", sa.LargeBinary),
        sa.Column("cancel_reason", sa.Integer),
        sa.Column("cancel_message", sa.Text),
        sa.Column("cancel_by", sa.String(256)),
        sa.Column("cancel_time", _ts),
        sa.Column("stdout_bytes", sa.BigInteger, nullable=False),
        sa.Column("stderr_bytes", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("instance_id", "name", name="uq_tasks_instance_name"),
    )
    op.create_index("ix_tasks_instance_index", "tasks", ["instance_id", "index"])
    op.create_index("ix_tasks_status", "tasks", ["status"])
    op.create_index("ix_tasks_worker", "tasks", ["worker"])
    op.create_table(
        "task_properties",
        sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", sa.String(256), primary_key=True),
        sa.Column("value", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "task_output",
        sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("stream", sa.Integer, primary_key=True),
        sa.Column("offset", sa.BigInteger, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    for table in ("task_output", "task_properties", "tasks", "instance_labels", "instances"):
        op.drop_table(table)
