package dev.taskstream.client;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.ByteString;
import dev.taskstream.v1.Cancellation;
import dev.taskstream.v1.GetTaskResultResponse;
import dev.taskstream.v1.Result;
import dev.taskstream.v1.Task;
import dev.taskstream.v1.TaskError;
import dev.taskstream.v1.TaskStatus;
import java.util.Collections;
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
   * The returned value as JSON: a JSON result decoded, or a text result as a JSON string (tasks
   * that return a string send it as text); empty for bytes, a Python object, or no value.
   */
  public Optional<JsonElement> json() {
    Result result = response.getResult();
    return switch (result.getKindCase()) {
      case JSON -> Optional.of(JsonParser.parseString(result.getJson()));
      case TEXT -> Optional.of(new JsonPrimitive(result.getText()));
      default -> Optional.empty();
    };
  }

  /** The returned string (SQL results are CSV text); empty when the task returned no text. */
  public Optional<String> text() {
    Result result = response.getResult();
    return result.getKindCase() == Result.KindCase.TEXT
        ? Optional.of(result.getText())
        : Optional.empty();
  }

  /**
   * The returned value bound to {@code type} (a record, a {@code Map}, {@code String} …).
   *
   * @throws IllegalStateException when the task returned neither JSON nor text
   */
  public <T> T json(Class<T> type) {
    return Values.GSON.fromJson(
        json()
            .orElseThrow(
                () -> new IllegalStateException(name() + " returned neither JSON nor text")),
        type);
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

  /** The response as received. */
  public GetTaskResultResponse toProto() {
    return response;
  }

  @Override
  public String toString() {
    return "TaskResult{" + name() + ", " + status() + ", " + result().getKindCase() + "}";
  }
}
