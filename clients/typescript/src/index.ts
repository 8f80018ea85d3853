/**
 * The taskstream client for Node.js: a thin helper over the generated protobuf-es code.
 *
 * The helper (connect, Client, events, errors) covers the common path; the generated messages, enums
 * and the InstanceService and ScheduleService descriptors are exported too, and Client.service and
 * Client.scheduleService are the generated clients for every call the helper does not wrap. This list is the public surface (pinned by test/exports.test.ts).
 *
 * Integers: the generated messages keep protobuf-es's bigint for int64 fields (seq, timestamps'
 * seconds); the integers the helper decodes (task properties, SQL result cells) are numbers when safe and
 * bigint only beyond Number.MAX_SAFE_INTEGER (see Int64), and output byte offsets are numbers.
 */

export {
  connect,
  Client,
  USER_METADATA,
  type CallOptions,
  type CancelTaskOptions,
  type ClientOptions,
  type InstanceInit,
  type KeepBoundOptions,
  type ListInstancesOptions,
  type LogviewOptions,
  type StopOptions,
  type SubInstance,
  type SubInstancesOptions,
  type TaskInit,
} from "./client.js";
export {
  AlreadyExistsError,
  ApiError,
  codeName,
  DeadlineExceededError,
  FailedPreconditionError,
  InstanceFailedError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  TaskError,
  TaskstreamError,
  UnauthenticatedError,
  UnavailableError,
  WaitTimeoutError,
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
  TaskWaitingReasonChanged,
  WatchEvent,
} from "./events.js";
export type {
  InstanceCreated,
  InstanceDeleted,
  InstanceStatusUpdated,
  ProjectEvent,
  ProjectHeartbeat,
  ProjectSnapshot,
  WatchInstancesOptions,
} from "./project-watch.js";
export type { InstanceSummary } from "./gen/taskstream/v1/project_event_pb.js";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.js";
export { type OutputChunk, type ReadOutputOptions } from "./output.js";
export {
  type ResultColumn,
  type ResultRow,
  type ResultRows,
  type ResultRowsOptions,
  type ResultValue,
} from "./rows.js";
export { type Dependency, type TaskRetryPolicy } from "./scheduling.js";
export { type ListSchedulesOptions, type ScheduleInit, type ScheduleTiming } from "./schedules.js";
export { type Attempt, type Int64, type TaskProperty, type TaskResult, type ValueKind } from "./values.js";
export { type WaitInstancesOptions, type WaitOptions } from "./waiting.js";
export { type WatchOptions } from "./watch.js";
export { isTerminal } from "./status.js";

export { Code } from "@connectrpc/connect";
export {
  ColumnType,
  InstanceService,
  WaitMode,
  WatchEndReason,
} from "./gen/taskstream/v1/instance_service_pb.js";
export {
  OverlapPolicy,
  type CronSpec,
  type InstanceTemplate,
  type Schedule,
} from "./gen/taskstream/v1/schedule_pb.js";
export { ScheduleService } from "./gen/taskstream/v1/schedule_service_pb.js";
export {
  InstanceStatus,
  type Instance,
  type InstanceOptions,
  type TaskType,
} from "./gen/taskstream/v1/instance_pb.js";
export {
  CancellationReason,
  OutputStream,
  TaskStatus,
  WaitingReason,
  type Cancellation,
  type Progress,
  type StageProgress,
  type Task,
  type TaskAttempt,
} from "./gen/taskstream/v1/task_pb.js";
