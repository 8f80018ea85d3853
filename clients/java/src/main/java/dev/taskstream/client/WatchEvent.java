package dev.taskstream.client;

import com.google.protobuf.ByteString;
import dev.taskstream.v1.Instance;
import dev.taskstream.v1.InstanceStatus;
import dev.taskstream.v1.OutputStream;
import dev.taskstream.v1.Progress;
import dev.taskstream.v1.Task;
import dev.taskstream.v1.TaskStatus;
import dev.taskstream.v1.WaitingReason;
import java.time.Instant;

/**
 * One thing a watch of an instance reports: a {@link Snapshot} of the whole instance, or one change
 * with its sequence number. A watch starts with a snapshot (unless it resumes after a cursor) and
 * ends with the terminal snapshot.
 */
public sealed interface WatchEvent
    permits WatchEvent.Snapshot,
        WatchEvent.InstanceStatusChanged,
        WatchEvent.TaskStatusChanged,
        WatchEvent.TaskProgressUpdated,
        WatchEvent.TaskPropertyUpdated,
        WatchEvent.TaskOutputAppended,
        WatchEvent.SubInstanceCreated,
        WatchEvent.TaskWaitingReasonChanged,
        WatchEvent.Heartbeat {

  /** The instance's sequence number this event brings the watcher to. */
  long seq();

  /** The whole instance with its tasks; {@code seq} is the last change it includes. */
  record Snapshot(long seq, Instance instance) implements WatchEvent {
    /** True for the snapshot of a terminated instance, the last event of a watch. */
    public boolean terminated() {
      return instance.getStatus() == InstanceStatus.INSTANCE_STATUS_TERMINATED;
    }
  }

  /** The instance's status changed; {@code successful} once terminated with every task SUCCESS. */
  record InstanceStatusChanged(
      long seq,
      Instant time,
      InstanceStatus previousStatus,
      InstanceStatus status,
      boolean successful)
      implements WatchEvent {}

  /**
   * A task's status changed; {@code task} is its state after the change (status, attempts, times,
   * error, cancellation) without progress and properties, which come in their own events.
   */
  record TaskStatusChanged(
      long seq,
      Instant time,
      String taskName,
      TaskStatus previousStatus,
      TaskStatus status,
      Task task)
      implements WatchEvent {}

  /** A task reported progress; {@code progress} replaces its previous one. */
  record TaskProgressUpdated(long seq, Instant time, String taskName, Progress progress)
      implements WatchEvent {}

  /**
   * A task set a property; {@code value} is a {@code String}, {@code Long}, {@code Double} or
   * {@link ByteString}.
   */
  record TaskPropertyUpdated(long seq, Instant time, String taskName, String key, Object value)
      implements WatchEvent {}

  /** A task wrote output (only with {@link WatchOptions#includeOutput()}). */
  record TaskOutputAppended(
      long seq,
      Instant time,
      String taskName,
      OutputStream stream,
      long offset,
      ByteString data,
      int attempt)
      implements WatchEvent {}

  /** A workflow task started a sub-instance ({@code instance} is its resource name). */
  record SubInstanceCreated(long seq, Instant time, String instance, String name, String taskName)
      implements WatchEvent {}

  /**
   * Why a waiting task waits changed while its status did not: its dependencies ended, its start
   * time or its retry backoff passed.
   */
  record TaskWaitingReasonChanged(
      long seq, Instant time, String taskName, WaitingReason waitingReason) implements WatchEvent {}

  /** Nothing changed; the stream is alive (only with {@link WatchOptions#heartbeats()}). */
  record Heartbeat(long seq, Instant time) implements WatchEvent {}
}
