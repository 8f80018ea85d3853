"""SQLAlchemy 2.0 models. They never leave the store package; the rest of the server sees domain objects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class InstanceRow(Base):
    __tablename__ = "instances"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project: Mapped[str] = mapped_column(String(128))
    owner: Mapped[str] = mapped_column(String(256))
    priority: Mapped[int] = mapped_column(Integer)
    status: Mapped[int] = mapped_column(Integer)
    successful: Mapped[bool] = mapped_column(Boolean, default=False)
    create_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    start_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    parent_instance: Mapped[str] = mapped_column(String(256), default="")
    request_id: Mapped[str | None] = mapped_column(String(256))
    cancel_on_task_failure: Mapped[bool] = mapped_column(Boolean, default=False)
    max_interrupted_retries: Mapped[int] = mapped_column(Integer, default=3)
    task_timeout: Mapped[float | None] = mapped_column(Float)
    labels_json: Mapped[str] = mapped_column(Text, default="{}")
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # the last event's sequence number
    # Options most instances lack (retry policy, retention, binding), as JSON; NULL without any.
    options_json: Mapped[str | None] = mapped_column(Text)
    start_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the start time asked for
    expire_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # its own retention's
    # The W3C trace context of the call that created it (tracing on), which its tasks continue.
    traceparent: Mapped[str] = mapped_column(String(55), default="", server_default="")
    tracestate: Mapped[str] = mapped_column(String(512), default="", server_default="")
    schedule: Mapped[str | None] = mapped_column(String(256))  # the name of the schedule that started it

    __table_args__ = (
        UniqueConstraint("project", "request_id", name="uq_instances_project_request_id"),
        Index("ix_instances_project_id", "project", "id"),
        Index("ix_instances_project_status_id", "project", "status", "id"),
        Index("ix_instances_project_owner_id", "project", "owner", "id"),
        # Active instances only (a partial index): what a server loads when it starts or takes a shard.
        Index(
            "ix_instances_active",
            "id",
            sqlite_where=text("status <> 3"),
            postgresql_where=text("status <> 3"),
        ),
        # Instances with a retention of their own, for its sweeps.
        Index(
            "ix_instances_expire_time",
            "expire_time",
            sqlite_where=text("expire_time IS NOT NULL"),
            postgresql_where=text("expire_time IS NOT NULL"),
        ),
    )


class ScheduleRow(Base):
    """A schedule (domain.schedule_model): its timing and template as created, and how far it fired.

    Only its owner writes it, in the commits of the core's writer: a firing moves ``fired_through`` in
    the commit that inserts the instance it started.
    """

    __tablename__ = "schedules"

    project: Mapped[str] = mapped_column(String(128), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(256))
    cron: Mapped[str] = mapped_column(String(256))  # the expression; "" for an interval
    time_zone: Mapped[str] = mapped_column(String(64))
    interval: Mapped[float | None] = mapped_column(Float)  # seconds
    template: Mapped[bytes] = mapped_column(LargeBinary)  # a serialized taskstream.v1.InstanceTemplate
    code: Mapped[bool] = mapped_column(Boolean)  # the template has Python-object tasks
    overlap: Mapped[int] = mapped_column(Integer)
    catch_up_window: Mapped[float] = mapped_column(Float)
    paused: Mapped[bool] = mapped_column(Boolean)
    create_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    update_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fired_through: Mapped[datetime] = mapped_column(
        DateTime(timezone=True)
    )  # every fire time up to it is done
    last_fire_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_instance: Mapped[str] = mapped_column(String(32))
    fire_count: Mapped[int] = mapped_column(BigInteger)
    skip_count: Mapped[int] = mapped_column(BigInteger)
    miss_count: Mapped[int] = mapped_column(BigInteger)
    last_error: Mapped[str] = mapped_column(Text)
    last_error_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    request_id: Mapped[str | None] = mapped_column(String(256))
    fingerprint: Mapped[str] = mapped_column(String(64))
    answer: Mapped[bytes | None] = mapped_column(LargeBinary)  # the create's answer, for its retries


class InstanceLabelRow(Base):
    __tablename__ = "instance_labels"

    instance_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(256), primary_key=True)
    value: Mapped[str] = mapped_column(String(1024))

    __table_args__ = (Index("ix_instance_labels_key_value", "key", "value", "instance_id"),)


class TaskRow(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(32), ForeignKey("instances.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(256))
    type: Mapped[str] = mapped_column(String(256))
    parameters_json: Mapped[str] = mapped_column(Text, default="")
    python_object: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    python_environment: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    timeout: Mapped[float | None] = mapped_column(Float)
    status: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    interruptions: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str] = mapped_column(String(256), default="")
    assignment_id: Mapped[str] = mapped_column(String(64), default="")
    started: Mapped[bool] = mapped_column(Boolean, default=False)
    start_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    grace_period: Mapped[float] = mapped_column(Float, default=0.0)
    progress: Mapped[bytes | None] = mapped_column(LargeBinary)  # a serialized taskstream.v1.Progress
    result: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # a serialized Result
    error_type: Mapped[str | None] = mapped_column(String(512))
    error_message: Mapped[str | None] = mapped_column(Text)
    error_traceback: Mapped[str | None] = mapped_column(Text)
    error_pickle: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    cancel_reason: Mapped[int | None] = mapped_column(Integer)
    cancel_message: Mapped[str | None] = mapped_column(Text)
    cancel_by: Mapped[str | None] = mapped_column(String(256))
    cancel_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stdout_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    stderr_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    progress_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # the event carrying ``progress``
    # Written by servers before 0007, which kept leases in the database; leases now live in memory.
    lease_expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    interruption_reason: Mapped[str] = mapped_column(Text, default="")  # why it last lost its worker
    required_labels_json: Mapped[str] = mapped_column(Text, default="{}")  # worker labels it needs
    # Retry policy, dependencies and concurrency key as JSON (NULL without any), the attempts its retry
    # policy retried, and when its backoff ends.
    scheduling_json: Mapped[str | None] = mapped_column(Text)
    history_json: Mapped[str | None] = mapped_column(Text)
    retry_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the latest attempt cost its process (domain.cost); NULL until a measured attempt ends.
    cpu_seconds: Mapped[float | None] = mapped_column(Float)
    memory_peak_bytes: Mapped[int | None] = mapped_column(BigInteger)

    # The tasks of an instance are found through this constraint's index; no other index, since every
    # status change would move its entries.
    __table_args__ = (UniqueConstraint("instance_id", "name", name="uq_tasks_instance_name"),)


class TaskPropertyRow(Base):
    __tablename__ = "task_properties"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(256), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)  # a serialized PropertyValue


class TaskInfoRow(Base):
    """One key of a task's info, which callers set from outside (PutTaskInfo): the value is UTF-8 text
    kept as bytes, so that no character (NUL included) can make a database refuse a commit."""

    __tablename__ = "task_info"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(256), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)


class TaskOutputRow(Base):
    """A chunk of a task's stdout (stream 1) or stderr (2) at a byte offset; gaps are cut output."""

    __tablename__ = "task_output"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    stream: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class TaskOutputArchiveRow(Base):
    """The output of an earlier attempt of a task, moved out of ``task_output`` when the task was
    assigned again (ReadTaskOutputRequest.attempt); the last few attempts' are kept."""

    __tablename__ = "task_output_archive"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    attempt: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class InstanceEventRow(Base):
    """One change of an instance: a serialized taskstream.v1.InstanceEvent, numbered per instance.

    Progress events are coalesced: a task's new progress event replaces its previous one.
    """

    __tablename__ = "instance_events"

    instance_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[int] = mapped_column(Integer)  # the InstanceEvent.change field number
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ProjectLogRow(Base):
    """Where a project's log of instance-level changes stands: the last number given out and the highest
    number deleted by retention (a cursor below it cannot be resumed, only started again)."""

    __tablename__ = "project_logs"

    project: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    trimmed_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class ProjectEventRow(Base):
    """One instance-level change in its project's log: a serialized taskstream.v1.ProjectInstanceEvent
    without its ``seq``, numbered per project in commit order. No foreign key: a deletion outlives its
    instance."""

    __tablename__ = "project_events"

    project: Mapped[str] = mapped_column(String(128), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(32))
    instance_seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[int] = mapped_column(Integer)  # the ProjectInstanceEvent.change field number
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        Index("ix_project_events_instance_id", "instance_id"),
        Index("ix_project_events_time", "time"),
    )


class RequestRow(Base):
    """The first answer to a CreateInstance or StopInstance carrying a request_id, so that retries of
    the same request get it again; ``fingerprint`` tells a retry from a different request reusing the id."""

    __tablename__ = "request_records"

    project: Mapped[str] = mapped_column(String(128), primary_key=True)
    method: Mapped[str] = mapped_column(String(16), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[str] = mapped_column(String(32))
    response: Mapped[bytes | None] = mapped_column(LargeBinary)  # None until the first answer is stored
    create_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_request_records_instance_id", "instance_id"),)


class TombstoneRow(Base):
    """What remains of an instance that retention deleted, so callers learn it expired."""

    __tablename__ = "instance_tombstones"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project: Mapped[str] = mapped_column(String(128))
    successful: Mapped[bool] = mapped_column(Boolean)
    end_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delete_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(32), default="expired")  # or "deleted" (DeleteInstance)


class CounterRow(Base):
    """A counter the core reserves numbers from in blocks (``task_id``: the next task id)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class ShardRow(Base):
    """Which replica owns a shard of instances, until when (a lease it renews), and at which epoch: a new
    owner increments the epoch, and every commit of an owner checks that its epoch still holds."""

    __tablename__ = "shards"

    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    owner: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(256), default="")  # where the owner serves gRPC
    epoch: Mapped[int] = mapped_column(BigInteger, default=0)
    expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReplicaRow(Base):
    """A live server replica and where it serves gRPC, until ``expires`` unless it renews itself."""

    __tablename__ = "replicas"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    address: Mapped[str] = mapped_column(String(256))
    expires: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClusterRow(Base):
    """Settings the replicas of one database share (``secret``: what their calls to each other carry)."""

    __tablename__ = "cluster"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
