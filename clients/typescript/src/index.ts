/**
 * The taskstream client for Node.js: a thin helper over the generated protobuf-es code.
 *
 * The helper (connect, Client, events, errors) covers the common path; the generated messages, enums
 * and the InstanceService descriptor are exported too, and Client.service is the generated client for
 * every call the helper does not wrap. This list is the public surface (pinned by test/exports.test.ts).
 */

export {
  connect,
  Client,
  USER_METADATA,
  type CallOptions,
  type ClientOptions,
  type InstanceInit,
  type StopOptions,
  type TaskInit,
  type WaitOptions,
  type WaitResult,
} from "./client.js";
export {
  ApiError,
  codeName,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  TaskstreamError,
  UnauthenticatedError,
  UnavailableError,
  type FieldViolation,
} from "./errors.js";
export type {
  InstanceSnapshot,
  InstanceStatusChanged,
  SubInstanceCreated,
  TaskOutputAppended,
  TaskProgressUpdated,
  TaskPropertyUpdated,
  TaskStatusChanged,
  WatchEvent,
} from "./events.js";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.js";
export { type TaskProperty, type TaskResult, type ValueKind } from "./values.js";
export { type WatchOptions } from "./watch.js";
export { isTerminal } from "./status.js";

export { Code } from "@connectrpc/connect";
export { InstanceService, WaitMode, WatchEndReason } from "./gen/taskstream/v1/instance_service_pb.js";
export { InstanceStatus, type Instance, type InstanceOptions } from "./gen/taskstream/v1/instance_pb.js";
export {
  CancellationReason,
  OutputStream,
  TaskStatus,
  type Cancellation,
  type Progress,
  type StageProgress,
  type Task,
  type TaskError,
} from "./gen/taskstream/v1/task_pb.js";
