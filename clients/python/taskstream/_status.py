"""Deprecated private name of ``taskstream.status``, kept importable until ``taskstreamd`` imports the
public module (see the packaging notes in clients/python/README.md)."""

from taskstream.status import CancellationReason, InstanceStatus, TaskStatus, WaitingReason

__all__ = ["CancellationReason", "InstanceStatus", "TaskStatus", "WaitingReason"]
