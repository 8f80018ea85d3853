package dev.taskstream.client;

import com.google.protobuf.ByteString;
import dev.taskstream.v1.Cancellation;
import dev.taskstream.v1.GetTaskResultResponse;
import dev.taskstream.v1.Result;
import dev.taskstream.v1.Task;
import dev.taskstream.v1.TaskAttempt;
import dev.taskstream.v1.TaskError;
import dev.taskstream.v1.TaskStatus;
import dev.taskstream.v1.WaitingReason;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one task handed back: its status, its result, what it wrote to stdout and stderr, its
 * properties, and its error or cancellation. A task that failed is data here, not an exception.
 */
public final class TaskResult {
  private final GetTaskResultResponse response;

  TaskResult(GetTaskResultResponse response) {
    this.response = response;
  }

  /** The task with its status, timing, progress, properties, error and cancellation. */
  public Task task() {
    return response.getTask();
  }

  /** The task's name. */
  public String name() {
    return response.getTask().getName();
  }

  /** The task's status; terminal once its instance is terminated. */
  public TaskStatus status() {
    return response.getTask().getStatus();
  }

  /** The value as sent: JSON, text, bytes or a Python object; KIND_NOT_SET when there is none. */
  public Result result() {
    return response.getResult();
  }

  /**
   * Whether the task returned a value {@link #value()} gives: JSON, or text. False for bytes, a
   * Python object, or no value (see {@link #result()} for those).
   */
  public boolean hasValue() {
    Result.KindCase kind = response.getResult().getKindCase();
    return kind == Result.KindCase.JSON || kind == Result.KindCase.TEXT;
  }

  /**
   * The returned value as a plain Java value: a JSON result decoded (objects as {@code Map<String,
   * Object>} in document order, arrays as {@code List<Object>}, strings, booleans, numbers as
   * {@code Long} or {@code Double}, JSON null as null), or a text result as its {@code String}
   * (tasks that return a string send it as text). Null when the task returned JSON null or no such
   * value ({@link #hasValue()} tells which).
   */
  public Object value() {
    Result result = response.getResult();
    return switch (result.getKindCase()) {
      case JSON -> Values.parseJson(result.getJson());
      case TEXT -> result.getText();
      default -> null;
    };
  }

  /**
   * The returned value bound to {@code type} (a record, a class with fields, {@code Map}, {@code
   * String} …): a JSON result as JSON, a text result as a JSON string.
   *
   * @throws IllegalStateException when the task returned neither JSON nor text
   */
  public <T> T value(Class<T> type) {
    Result result = response.getResult();
    return switch (result.getKindCase()) {
      case JSON -> Values.fromJson(result.getJson(), type);
      case TEXT -> Values.fromJson(Values.toJson(result.getText()), type);
      default -> throw new IllegalStateException(name() + " returned neither JSON nor text");
    };
  }

  /** The returned string (SQL results are CSV text); empty when the task returned no text. */
  public Optional<String> text() {
    Result result = response.getResult();
    return result.getKindCase() == Result.KindCase.TEXT
        ? Optional.of(result.getText())
        : Optional.empty();
  }

  /** Captured standard output, decoded as UTF-8 (invalid bytes become U+FFFD). */
  public String stdout() {
    return response.getStdout().toStringUtf8();
  }

  /** Captured standard error (a failed task's traceback ends up here), decoded as UTF-8. */
  public String stderr() {
    return response.getStderr().toStringUtf8();
  }

  /** Captured standard output as bytes. */
  public ByteString stdoutBytes() {
    return response.getStdout();
  }

  /** Captured standard error as bytes. */
  public ByteString stderrBytes() {
    return response.getStderr();
  }

  /**
   * The properties the task set, kept even when it failed, sorted by key; each value is a {@code
   * String}, {@code Long}, {@code Double} or {@link ByteString}.
   */
  public Map<String, Object> properties() {
    return Collections.unmodifiableMap(Values.properties(task().getPropertiesMap()));
  }

  /** Why the task did not succeed, for FAILED, ENVIRONMENT_ERROR and TIMED_OUT. */
  public Optional<TaskError> error() {
    return task().hasError() ? Optional.of(task().getError()) : Optional.empty();
  }

  /** Who stopped the task and why, for CANCELLED and TIMED_OUT. */
  public Optional<Cancellation> cancellation() {
    return task().hasCancellation() ? Optional.of(task().getCancellation()) : Optional.empty();
  }

  /**
   * Why the task waits while WAITING or INTERRUPTED (QUEUED, DEPENDENCY, SCHEDULED, BACKOFF,
   * CONCURRENCY_LIMIT …); {@code WAITING_REASON_UNSPECIFIED} otherwise.
   */
  public WaitingReason waitingReason() {
    return task().getWaitingReason();
  }

  /**
   * While the task waits with reason DEPENDENCY, the names of the tasks it depends on that have not
   * ended yet (in the order it names them); empty otherwise.
   */
  public List<String> waitingOn() {
    return task().getWaitingOnList();
  }

  /**
   * The earlier attempts its retry policy retried, oldest first, each with its status, error,
   * result, worker and times; the current attempt is the task itself.
   */
  public List<TaskAttempt> attemptHistory() {
    return task().getAttemptHistoryList();
  }

  /** The response as received. */
  public GetTaskResultResponse toProto() {
    return response;
  }

  @Override
  public String toString() {
    return "TaskResult{" + name() + ", " + status() + ", " + result().getKindCase() + "}";
  }
}
