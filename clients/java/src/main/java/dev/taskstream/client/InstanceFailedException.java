package dev.taskstream.client;

import dev.taskstream.v1.Instance;
import dev.taskstream.v1.Task;
import dev.taskstream.v1.TaskError;
import dev.taskstream.v1.TaskStatus;
import java.util.Optional;

/**
 * An instance that had to succeed ({@code execute}, {@code awaitSuccess}) terminated with a task
 * that did not succeed. It carries the terminated instance and the first such task, with its status
 * and its error or cancellation.
 */
public class InstanceFailedException extends TaskstreamException {
  private static final long serialVersionUID = 1L;

  private final transient Instance instance;
  private final transient Task failedTask;

  InstanceFailedException(Instance instance) {
    this(instance, firstUnsuccessful(instance));
  }

  private InstanceFailedException(Instance instance, Task failedTask) {
    super(message(instance, failedTask));
    this.instance = instance;
    this.failedTask = failedTask;
  }

  /** The terminated instance, with every task. */
  public Instance instance() {
    return instance;
  }

  /**
   * The first task (in submission order) that did not succeed: its name, status, error and
   * cancellation.
   */
  public Task failedTask() {
    return failedTask;
  }

  /** The failed task's status: FAILED, ENVIRONMENT_ERROR, CANCELLED or TIMED_OUT. */
  public TaskStatus taskStatus() {
    return failedTask.getStatus();
  }

  /** The failed task's error, for FAILED, ENVIRONMENT_ERROR and TIMED_OUT. */
  public Optional<TaskError> taskError() {
    return failedTask.hasError() ? Optional.of(failedTask.getError()) : Optional.empty();
  }

  private static Task firstUnsuccessful(Instance instance) {
    return instance.getTasksList().stream()
        .filter(t -> t.getStatus() != TaskStatus.TASK_STATUS_SUCCESS)
        .findFirst()
        .orElse(Task.getDefaultInstance());
  }

  private static String message(Instance instance, Task task) {
    StringBuilder message =
        new StringBuilder("instance ")
            .append(instance.getName())
            .append(" failed: task ")
            .append(task.getName())
            .append(" ended ")
            .append(task.getStatus());
    if (task.hasError()) {
      message.append(" (").append(task.getError().getType());
      if (!task.getError().getMessage().isEmpty()) {
        message.append(": ").append(task.getError().getMessage());
      }
      message.append(')');
    } else if (task.hasCancellation()) {
      message.append(" (").append(task.getCancellation().getReason());
      if (!task.getCancellation().getMessage().isEmpty()) {
        message.append(": ").append(task.getCancellation().getMessage());
      }
      message.append(')');
    }
    return message.toString();
  }
}
