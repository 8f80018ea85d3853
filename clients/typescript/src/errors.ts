/**
 * The errors the taskstream client throws.
 *
 * Every error the client throws derives from TaskstreamError; a failed call never escapes as a raw ConnectError but as the
 * ApiError subclass of its gRPC status code, with the google.rpc details the server sent in the
 * `grpc-status-details-bin` trailer already decoded:
 *
 *     TaskstreamError
 *     ├── ApiError                    a call failed: .code, .codeName, .reason, .errorMetadata
 *     │   ├── NotFoundError           NOT_FOUND: no such instance, task or schedule; .resourceType,
 *     │   │                           .resourceName
 *     │   ├── AlreadyExistsError      ALREADY_EXISTS: a schedule id is taken; .resourceType, .resourceName
 *     │   ├── InvalidArgumentError    INVALID_ARGUMENT: a bad request; .fieldViolations
 *     │   ├── FailedPreconditionError FAILED_PRECONDITION, e.g. stopping a terminated instance
 *     │   ├── PermissionDeniedError   PERMISSION_DENIED
 *     │   ├── UnauthenticatedError    UNAUTHENTICATED
 *     │   ├── ResourceExhaustedError  RESOURCE_EXHAUSTED, e.g. a watcher too slow (CONSUMER_TOO_SLOW)
 *     │   ├── DeadlineExceededError   DEADLINE_EXCEEDED
 *     │   └── UnavailableError        UNAVAILABLE: the server cannot be reached
 *     ├── WaitTimeoutError            a wait ran out of time: .instanceName, .instance as last seen
 *     └── InstanceFailedError         a wait for success (execute, waitForSuccess) saw the instance end
 *                                     unsuccessfully: .instance, .task (the first that did not
 *                                     succeed), .taskStatus, .error
 *
 *     TaskError                       what a task raised (.type, .message, .traceback): the task's own
 *                                     error, not an error of the client; TaskResult.error and
 *                                     InstanceFailedError.error (also its cause) hold one
 *
 * Other codes (CANCELLED, INTERNAL …) throw a plain ApiError. A task that fails is not an error of the
 * client's calls: its status, error and cancellation are data (see TaskResult). Only the calls that wait
 * for success turn it into an InstanceFailedError.
 */

import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, ResourceInfoSchema } from "./gen/google/rpc/error_details_pb.js";
import type { Instance } from "./gen/taskstream/v1/instance_pb.js";
import { type Task, type TaskError as TaskErrorMessage, TaskStatus } from "./gen/taskstream/v1/task_pb.js";

/** The canonical gRPC name of each status code, indexed by its number. */
const CODE_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

/** The canonical gRPC name of a status code, such as "NOT_FOUND" for Code.NotFound. */
export function codeName(code: Code): string {
  return CODE_NAMES[code] ?? String(code);
}

/** One bad field of a request, from a google.rpc.BadRequest detail. */
export interface FieldViolation {
  /** The field's path, for example "tasks[0].type". */
  readonly field: string;
  /** What is wrong with it. */
  readonly description: string;
}

/** The root of every error the taskstream client throws. */
export class TaskstreamError extends Error {
  override name = "TaskstreamError";
}

/** A call to the server failed with a gRPC status other than OK. */
export class ApiError extends TaskstreamError {
  override name = "ApiError";
  /** The status code; its numbers are gRPC's. */
  readonly code: Code;
  /** The server's message, without the code prefix. */
  readonly rawMessage: string;
  /** ErrorInfo.reason, such as "CONSUMER_TOO_SLOW"; empty without an ErrorInfo detail. */
  readonly reason: string;
  /** ErrorInfo.metadata, such as {resume_after_seq: "12"}. */
  readonly errorMetadata: Readonly<Record<string, string>>;

  constructor(error: ConnectError) {
    super(`${codeName(error.code)}: ${error.rawMessage}`, { cause: error });
    this.code = error.code;
    this.rawMessage = error.rawMessage;
    const info = error.findDetails(ErrorInfoSchema)[0];
    this.reason = info?.reason ?? "";
    this.errorMetadata = { ...info?.metadata };
  }

  /** The canonical gRPC name of the code, such as "NOT_FOUND". */
  get codeName(): string {
    return codeName(this.code);
  }
}

/** NOT_FOUND: the instance, task or schedule does not exist. */
export class NotFoundError extends ApiError {
  override name = "NotFoundError";
  /** ResourceInfo.resource_type, such as "instance"; empty without the detail. */
  readonly resourceType: string;
  /** ResourceInfo.resource_name, the name that was not found; empty without the detail. */
  readonly resourceName: string;

  constructor(error: ConnectError) {
    super(error);
    const info = error.findDetails(ResourceInfoSchema)[0];
    this.resourceType = info?.resourceType ?? "";
    this.resourceName = info?.resourceName ?? "";
  }
}

/** ALREADY_EXISTS: what the call would create, such as a schedule of a chosen id, exists already. */
export class AlreadyExistsError extends ApiError {
  override name = "AlreadyExistsError";
  /** ResourceInfo.resource_type, such as "schedule"; empty without the detail. */
  readonly resourceType: string;
  /** ResourceInfo.resource_name, the name that is taken; empty without the detail. */
  readonly resourceName: string;

  constructor(error: ConnectError) {
    super(error);
    const info = error.findDetails(ResourceInfoSchema)[0];
    this.resourceType = info?.resourceType ?? "";
    this.resourceName = info?.resourceName ?? "";
  }
}

/** INVALID_ARGUMENT: the request is wrong; fieldViolations says where. */
export class InvalidArgumentError extends ApiError {
  override name = "InvalidArgumentError";
  /** The bad fields, from every BadRequest detail. */
  readonly fieldViolations: readonly FieldViolation[];

  constructor(error: ConnectError) {
    super(error);
    this.fieldViolations = error
      .findDetails(BadRequestSchema)
      .flatMap((detail) => detail.fieldViolations)
      .map(({ field, description }) => ({ field, description }));
  }
}

/** FAILED_PRECONDITION: the instance is not in a state that allows the call (reason says which). */
export class FailedPreconditionError extends ApiError {
  override name = "FailedPreconditionError";
}

/** PERMISSION_DENIED, for example a python_object task on a server that does not allow code. */
export class PermissionDeniedError extends ApiError {
  override name = "PermissionDeniedError";
}

/** UNAUTHENTICATED: the server needs credentials the call did not carry. */
export class UnauthenticatedError extends ApiError {
  override name = "UnauthenticatedError";
}

/** RESOURCE_EXHAUSTED, for example a watcher that read too slowly (reason CONSUMER_TOO_SLOW). */
export class ResourceExhaustedError extends ApiError {
  override name = "ResourceExhaustedError";
}

/** DEADLINE_EXCEEDED: the call's own deadline passed. */
export class DeadlineExceededError extends ApiError {
  override name = "DeadlineExceededError";
}

/** UNAVAILABLE: the server cannot be reached, is draining, or the stream broke. */
export class UnavailableError extends ApiError {
  override name = "UnavailableError";
}

/**
 * A wait ran out of time before the instance terminated (wait, waitForSuccess, execute), or before the
 * instances met the wait's mode (waitInstances). The instances run on; nothing was stopped.
 */
export class WaitTimeoutError extends TaskstreamError {
  override name = "WaitTimeoutError";
  /** The resource name of the instance waited for (of waitInstances: the first one still running). */
  readonly instanceName: string;
  /** Every instance waited for that had not terminated, in the order given. */
  readonly instanceNames: readonly string[];
  /** The instance named by instanceName as the last answer showed it; undefined without an answer. */
  readonly instance: Instance | undefined;
  /** Every instance waited for, as the last answer showed them, in the order given. */
  readonly instances: readonly Instance[];
  /** The timeout that passed, in milliseconds. */
  readonly timeoutMs: number;

  /** `running` names the instances not terminated; `seen` holds the last answer's instances. */
  constructor(running: readonly string[], seen: readonly Instance[], timeoutMs: number) {
    const what =
      running.length === 1 ? `instance ${running[0]} did not` : `instances ${running.join(", ")} did not`;
    super(`${what} terminate within ${timeoutMs} ms`);
    this.instanceNames = [...running];
    this.instanceName = running[0] ?? "";
    this.instances = [...seen];
    this.instance = seen.find((instance) => instance.name === this.instanceName);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * What a task raised, or why it ended without returning ("taskstream.ProcessCrashed",
 * "taskstream.WorkerLost", a timeout): a real Error, so it can be thrown, logged and chained as a cause.
 * It is the task's error, not one of the client: it does not derive from TaskstreamError.
 *
 * `message` is the task's own message; `stack` is the task's traceback (where the task failed, not where
 * this object was made) under a first line naming the type.
 */
export class TaskError extends Error {
  override name = "TaskError";
  /** The exception's qualified type name, such as "builtins.ValueError". */
  readonly type: string;
  /** The traceback the task's process printed; empty when there was none. */
  readonly traceback: string;

  constructor(error: Pick<TaskErrorMessage, "type" | "message" | "traceback">) {
    super(error.message);
    this.type = error.type;
    this.traceback = error.traceback;
    const head = `TaskError: ${error.type ? `${error.type}: ` : ""}${error.message}`;
    this.stack = error.traceback ? `${head}\n${error.traceback.trimEnd()}` : head;
  }
}

/** The TaskError of a task's error message; undefined when the task has none. */
export function taskError(error: TaskErrorMessage | undefined): TaskError | undefined {
  return error === undefined ? undefined : new TaskError(error);
}

/**
 * An instance terminated without every task succeeding, where success was asked for (execute,
 * waitForSuccess). It names the first task that did not succeed, with its status and error.
 */
export class InstanceFailedError extends TaskstreamError {
  override name = "InstanceFailedError";
  /** The terminated instance, with every task. */
  readonly instance: Instance;
  /** The first task, in submission order, that did not succeed. */
  readonly task: Task;
  /** That task's name. */
  readonly taskName: string;
  /** That task's status: FAILED, ENVIRONMENT_ERROR, CANCELLED or TIMED_OUT. */
  readonly taskStatus: TaskStatus;
  /** That task's error (also this error's cause); undefined when it has none, as a cancelled task. */
  readonly error: TaskError | undefined;

  constructor(instance: Instance) {
    const task = instance.tasks.find((t) => t.status !== TaskStatus.SUCCESS);
    if (task === undefined) {
      throw new TypeError(
        `instance ${instance.name} is unsuccessful, but the server sent no unsuccessful task`,
      );
    }
    const error = taskError(task.error);
    const why = error ? `: ${error.type ? `${error.type}: ` : ""}${error.message}` : "";
    const status = TaskStatus[task.status] ?? String(task.status);
    super(`instance ${instance.name} failed: task ${task.name} ended ${status}${why}`, { cause: error });
    this.instance = instance;
    this.task = task;
    this.taskName = task.name;
    this.taskStatus = task.status;
    this.error = error;
  }
}

const CLASSES: Partial<Record<Code, new (error: ConnectError) => ApiError>> = {
  [Code.NotFound]: NotFoundError,
  [Code.AlreadyExists]: AlreadyExistsError,
  [Code.InvalidArgument]: InvalidArgumentError,
  [Code.FailedPrecondition]: FailedPreconditionError,
  [Code.PermissionDenied]: PermissionDeniedError,
  [Code.Unauthenticated]: UnauthenticatedError,
  [Code.ResourceExhausted]: ResourceExhaustedError,
  [Code.DeadlineExceeded]: DeadlineExceededError,
  [Code.Unavailable]: UnavailableError,
};

/** The typed error for anything a call threw; a TaskstreamError passes through unchanged. */
export function toApiError(reason: unknown): TaskstreamError {
  if (reason instanceof TaskstreamError) {
    return reason;
  }
  const error = ConnectError.from(reason);
  const Class = CLASSES[error.code] ?? ApiError;
  return new Class(error);
}

/** An ApiError of `code` made here, for conditions the client detects itself. */
export function clientError(code: Code, message: string): TaskstreamError {
  return toApiError(new ConnectError(message, code));
}
