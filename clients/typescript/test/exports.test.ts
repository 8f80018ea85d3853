/**
 * Pins the public surface of the package: adding or removing an export is a decision, not an accident.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import * as taskstream from "../src/index.js";

test("the runtime exports", () => {
  assert.deepEqual(Object.keys(taskstream).sort(), [
    "ApiError",
    "CancellationReason",
    "Client",
    "Code",
    "DEFAULT_RETRY_POLICY",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "InstanceService",
    "InstanceStatus",
    "InvalidArgumentError",
    "NotFoundError",
    "OutputStream",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "TaskStatus",
    "TaskstreamError",
    "USER_METADATA",
    "UnauthenticatedError",
    "UnavailableError",
    "WaitMode",
    "WatchEndReason",
    "codeName",
    "connect",
    "isTerminal",
  ]);
});

test("every error derives from TaskstreamError, every call error from ApiError", () => {
  const errors = Object.values(taskstream).filter(
    (value): value is typeof taskstream.TaskstreamError =>
      typeof value === "function" && value.prototype instanceof Error,
  );
  assert.equal(errors.length, 10);
  for (const error of errors) {
    assert.ok(
      error === taskstream.TaskstreamError || error.prototype instanceof taskstream.TaskstreamError,
      error.name,
    );
    if (![taskstream.TaskstreamError, taskstream.ApiError].includes(error)) {
      assert.ok(error.prototype instanceof taskstream.ApiError, error.name);
    }
  }
});

test("isTerminal names the five terminal task statuses", () => {
  const terminal = Object.values(taskstream.TaskStatus)
    .filter((status): status is taskstream.TaskStatus => typeof status === "number")
    .filter(taskstream.isTerminal)
    .map((status) => taskstream.TaskStatus[status]);
  assert.deepEqual(terminal, ["SUCCESS", "FAILED", "ENVIRONMENT_ERROR", "CANCELLED", "TIMED_OUT"]);
});
