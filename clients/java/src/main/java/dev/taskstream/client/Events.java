package dev.taskstream.client;

import dev.taskstream.v1.InstanceEvent;
import java.time.Instant;

/** Turns the server's InstanceEvent messages into {@link WatchEvent}s. */
final class Events {
  private Events() {}

  /** The event for one change; null for a kind of change this client does not know. */
  static WatchEvent of(InstanceEvent event) {
    long seq = event.getSeq();
    Instant time = Values.instant(event.getTime());
    return switch (event.getChangeCase()) {
      case INSTANCE_STATUS_CHANGED -> {
        var change = event.getInstanceStatusChanged();
        yield new WatchEvent.InstanceStatusChanged(
            seq, time, change.getPreviousStatus(), change.getStatus(), change.getSuccessful());
      }
      case TASK_STATUS_CHANGED -> {
        var change = event.getTaskStatusChanged();
        var task = change.getTask();
        yield new WatchEvent.TaskStatusChanged(
            seq, time, task.getName(), change.getPreviousStatus(), task.getStatus(), task);
      }
      case TASK_PROGRESS_UPDATED -> {
        var update = event.getTaskProgressUpdated();
        yield new WatchEvent.TaskProgressUpdated(seq, time, update.getTask(), update.getProgress());
      }
      case TASK_PROPERTY_UPDATED -> {
        var update = event.getTaskPropertyUpdated();
        yield new WatchEvent.TaskPropertyUpdated(
            seq, time, update.getTask(), update.getKey(), Values.property(update.getValue()));
      }
      case TASK_OUTPUT_APPENDED -> {
        var output = event.getTaskOutputAppended();
        yield new WatchEvent.TaskOutputAppended(
            seq,
            time,
            output.getTask(),
            output.getStream(),
            output.getOffset(),
            output.getData(),
            output.getAttempt());
      }
      case SUB_INSTANCE_CREATED -> {
        var sub = event.getSubInstanceCreated();
        yield new WatchEvent.SubInstanceCreated(
            seq, time, sub.getInstance(), sub.getName(), sub.getTask());
      }
      case TASK_WAITING_REASON_CHANGED -> {
        var change = event.getTaskWaitingReasonChanged();
        yield new WatchEvent.TaskWaitingReasonChanged(
            seq, time, change.getTask(), change.getWaitingReason());
      }
      case CHANGE_NOT_SET -> null;
    };
  }
}
