/**
 * Pins the public surface of the package: adding or removing an export is a decision, not an accident.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import * as taskstream from "../src/index.js";

test("the runtime exports", () => {
  assert.deepEqual(Object.keys(taskstream).sort(), [
    "AlreadyExistsError",
    "ApiError",
    "CancellationReason",
    "Client",
    "Code",
    "ColumnType",
    "DEFAULT_RETRY_POLICY",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "InstanceFailedError",
    "InstanceService",
    "InstanceStatus",
    "InvalidArgumentError",
    "NotFoundError",
    "OutputStream",
    "OverlapPolicy",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "ScheduleService",
    "TaskError",
    "TaskStatus",
    "TaskstreamError",
    "USER_METADATA",
    "UnauthenticatedError",
    "UnavailableError",
    "WaitMode",
    "WaitTimeoutError",
    "WaitingReason",
    "WatchEndReason",
    "codeName",
    "connect",
    "isTerminal",
  ]);
});

test("every error the client throws derives from TaskstreamError, every call error from ApiError", () => {
  const errors = Object.values(taskstream).filter(
    (value): value is typeof taskstream.TaskstreamError =>
      typeof value === "function" && value.prototype instanceof Error,
  );
  assert.equal(errors.length, 14);
  // What a task raised is data the client hands back, not an error of the client.
  const clientErrors = errors.filter((error) => error.name !== "TaskError");
  assert.equal(clientErrors.length, 13);
  assert.ok(!(taskstream.TaskError.prototype instanceof taskstream.TaskstreamError));
  const notCalls = [
    taskstream.TaskstreamError,
    taskstream.ApiError,
    taskstream.WaitTimeoutError,
    taskstream.InstanceFailedError,
  ];
  for (const error of clientErrors) {
    assert.ok(
      error === taskstream.TaskstreamError || error.prototype instanceof taskstream.TaskstreamError,
      error.name,
    );
    if (!notCalls.includes(error)) {
      assert.ok(error.prototype instanceof taskstream.ApiError, error.name);
    }
  }
  assert.ok(!(taskstream.WaitTimeoutError.prototype instanceof taskstream.ApiError));
  assert.ok(!(taskstream.InstanceFailedError.prototype instanceof taskstream.ApiError));
});

test("isTerminal names the five terminal task statuses", () => {
  const terminal = Object.values(taskstream.TaskStatus)
    .filter((status): status is taskstream.TaskStatus => typeof status === "number")
    .filter(taskstream.isTerminal)
    .map((status) => taskstream.TaskStatus[status]);
  assert.deepEqual(terminal, ["SUCCESS", "FAILED", "ENVIRONMENT_ERROR", "CANCELLED", "TIMED_OUT"]);
});
