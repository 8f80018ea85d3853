package dev.taskstream.client;

import dev.taskstream.v1.InstanceStatus;
import dev.taskstream.v1.InstanceSummary;
import java.time.Instant;
import java.util.List;

/**
 * One thing a project watch reports: a {@link Snapshot} of the project's instances that match, or
 * one instance-level change with the project's sequence number. A watch starts with a snapshot
 * (unless it resumes after a cursor) and never ends by itself.
 */
public sealed interface ProjectEvent
    permits ProjectEvent.Snapshot,
        ProjectEvent.InstanceCreated,
        ProjectEvent.InstanceStatusUpdated,
        ProjectEvent.InstanceDeleted,
        ProjectEvent.Heartbeat {

  /** The project's sequence number this event brings the watcher to. */
  long seq();

  /**
   * The instances that matched at project position {@code seq}, newest first, each without its
   * tasks. Comes first, and again when the server no longer keeps the changes a resumed watch
   * missed: replace what you hold. {@code truncated}: more matched than the snapshot's limit.
   */
  record Snapshot(long seq, List<InstanceSummary> instances, boolean truncated)
      implements ProjectEvent {
    public Snapshot {
      instances = List.copyOf(instances);
    }
  }

  /** An instance was created; {@code instance} is its first state. */
  record InstanceCreated(long seq, Instant time, InstanceSummary instance, String parentInstance)
      implements ProjectEvent {}

  /** An instance's status changed; it ended when {@code status} is TERMINATED. */
  record InstanceStatusUpdated(
      long seq,
      Instant time,
      InstanceSummary instance,
      InstanceStatus previousStatus,
      InstanceStatus status,
      boolean successful)
      implements ProjectEvent {}

  /** Retention deleted an instance (its summary has its name, id, status and end time only). */
  record InstanceDeleted(long seq, Instant time, InstanceSummary instance, Instant deleteTime)
      implements ProjectEvent {}

  /** Nothing was sent for a while; the stream has reached {@code seq}. */
  record Heartbeat(long seq, Instant time) implements ProjectEvent {}
}
