/**
 * What a task hands back, decoded: its result value, captured output, typed properties and error.
 *
 * Integers: protobuf's int64 fields are bigint in the generated messages, and JSON.stringify throws on a
 * bigint. The integers the helper decodes (properties here, SQL result cells) are therefore a `number`
 * whenever the value is a safe integer (|v| <= Number.MAX_SAFE_INTEGER, 2^53 - 1), and a `bigint` only
 * beyond that, where a number would silently change the value. Code that may meet such integers checks
 * `typeof value === "bigint"` (or gives JSON.stringify a replacer). Byte offsets of output are always
 * numbers; sequence numbers (`seq`, `afterSeq`) stay bigint, as the cursors the protocol passes back.
 */

import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { GetTaskResultResponse } from "./gen/taskstream/v1/instance_service_pb.js";
import { taskError, type TaskError } from "./errors.js";
import type {
  Cancellation,
  PropertyValue,
  Result,
  Task,
  TaskAttempt,
  TaskStatus,
  WaitingReason,
} from "./gen/taskstream/v1/task_pb.js";

/**
 * A task property: STK allows strings, integers, floats and bytes. An integer is a number when it is a
 * safe integer and a bigint only beyond Number.MAX_SAFE_INTEGER (see the module's note), so integer and
 * float properties both arrive as numbers; `TaskResult.task.properties` keeps each one's kind.
 */
export type TaskProperty = string | number | bigint | Uint8Array;

/** The integers a decoded value may be: a number when safe, else the exact bigint. */
export type Int64 = number | bigint;

/** `value` as a number when no precision is lost (|value| <= Number.MAX_SAFE_INTEGER), else unchanged. */
export function int64(value: bigint): Int64 {
  const safe = BigInt(Number.MAX_SAFE_INTEGER);
  return value >= -safe && value <= safe ? Number(value) : value;
}

/** Which kind of value a task returned; "none" when it returned nothing usable. */
export type ValueKind = "json" | "text" | "binary" | "python" | "none";

/** One earlier attempt of a task, which its retry policy retried. */
export interface Attempt {
  /** The attempt's number, from 1 (as `task.attempts` counts them). */
  readonly number: number;
  /** How it ended: FAILED, ENVIRONMENT_ERROR or TIMED_OUT. */
  readonly status: TaskStatus;
  /** The worker that ran it. */
  readonly worker: string;
  /** When it started running. */
  readonly startTime: Date | undefined;
  /** When it ended. */
  readonly endTime: Date | undefined;
  /** Why it failed. */
  readonly error: TaskError | undefined;
  /** What it returned, if anything, decoded as TaskResult.value is. */
  readonly value: unknown;
  /** Which kind of value `value` is. */
  readonly valueKind: ValueKind;
}

/** Everything one task handed back (GetTaskResult), decoded. */
export interface TaskResult {
  /** The task: name, status, attempts, times, progress, error and cancellation. */
  readonly task: Task;
  /** The task's status; only TaskStatus.SUCCESS means it returned normally. */
  readonly status: TaskStatus;
  /**
   * The returned value: the decoded JSON document, a string, a Uint8Array (binary; see
   * `response.result`'s content type), the repr() of any other Python object, or undefined.
   */
  readonly value: unknown;
  /** Which kind of value `value` is. */
  readonly valueKind: ValueKind;
  /** Captured standard output, decoded as UTF-8. */
  readonly stdout: string;
  /** Captured standard error (the traceback when the task raised), decoded as UTF-8. */
  readonly stderr: string;
  /** The task's properties, kept even when it failed. */
  readonly properties: Readonly<Record<string, TaskProperty>>;
  /** Why the task did not succeed, for FAILED, ENVIRONMENT_ERROR and TIMED_OUT, as an Error. */
  readonly error: TaskError | undefined;
  /** Who stopped the task and why, for CANCELLED and TIMED_OUT. */
  readonly cancellation: Cancellation | undefined;
  /**
   * Why the task waits while WAITING or INTERRUPTED (QUEUED, DEPENDENCY, SCHEDULED, BACKOFF,
   * CONCURRENCY_LIMIT …); WaitingReason.UNSPECIFIED otherwise.
   */
  readonly waitingReason: WaitingReason;
  /**
   * While the task waits with reason DEPENDENCY, the names of the tasks it depends on that have not ended
   * yet (in the order it names them); empty otherwise.
   */
  readonly waitingOn: readonly string[];
  /** The earlier attempts its retry policy retried, oldest first; the current attempt is the task. */
  readonly attemptHistory: readonly Attempt[];
  /** The response as received, for anything not decoded here. */
  readonly response: GetTaskResultResponse;
}

const utf8 = new TextDecoder("utf-8");

/** The plain value of a typed property; undefined for a kind this client does not know. */
export function decodeProperty(property: PropertyValue): TaskProperty | undefined {
  switch (property.kind.case) {
    case "intValue":
      return int64(property.kind.value);
    case "stringValue":
    case "doubleValue":
    case "bytesValue":
      return property.kind.value;
    default:
      return undefined;
  }
}

/** Every property of a task, decoded. */
export function decodeProperties(
  properties: Readonly<Record<string, PropertyValue>>,
): Record<string, TaskProperty> {
  const decoded: Record<string, TaskProperty> = {};
  for (const [key, property] of Object.entries(properties)) {
    const value = decodeProperty(property);
    if (value !== undefined) {
      decoded[key] = value;
    }
  }
  return decoded;
}

/** The value and its kind of a task's Result. */
export function decodeResult(result: Result | undefined): { value: unknown; valueKind: ValueKind } {
  switch (result?.kind.case) {
    case "json":
      return { value: JSON.parse(result.kind.value) as unknown, valueKind: "json" };
    case "text":
      return { value: result.kind.value, valueKind: "text" };
    case "binary":
      return { value: result.kind.value.data, valueKind: "binary" };
    case "python":
      return { value: result.kind.value.repr, valueKind: "python" };
    default:
      return { value: undefined, valueKind: "none" };
  }
}

/** A Timestamp as a Date; undefined when unset. */
export function dateOf(stamp: Timestamp | undefined): Date | undefined {
  return stamp === undefined ? undefined : timestampDate(stamp);
}

/** The Attempt of a TaskAttempt message. */
export function attemptOf(attempt: TaskAttempt): Attempt {
  return {
    number: attempt.attempt,
    status: attempt.status,
    worker: attempt.worker,
    startTime: dateOf(attempt.startTime),
    endTime: dateOf(attempt.endTime),
    error: taskError(attempt.error),
    ...decodeResult(attempt.result),
  };
}

/** The TaskResult of a GetTaskResult response. */
export function taskResult(response: GetTaskResultResponse): TaskResult {
  const task = response.task;
  if (task === undefined) {
    throw new TypeError("GetTaskResultResponse without a task");
  }
  return {
    task,
    status: task.status,
    ...decodeResult(response.result),
    stdout: utf8.decode(response.stdout),
    stderr: utf8.decode(response.stderr),
    properties: decodeProperties(task.properties),
    error: taskError(task.error),
    cancellation: task.cancellation,
    waitingReason: task.waitingReason,
    waitingOn: task.waitingOn,
    attemptHistory: task.attemptHistory.map(attemptOf),
    response,
  };
}
