"""The domain's vocabulary: statuses and reasons, shared with the client package, which defines them once
for every Python user of taskstream (caller, task author and server alike)."""

from __future__ import annotations

from taskstream.status import CancellationReason, InstanceStatus, TaskStatus, WaitingReason

__all__ = ["CancellationReason", "InstanceStatus", "TaskStatus", "WaitingReason"]
