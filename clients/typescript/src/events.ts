/**
 * The events a watch yields: one discriminated union, switched on `type`.
 *
 * Every event carries the instance's sequence number `seq`; pass the last one seen as `afterSeq` to
 * watch again from there. A watch yields a snapshot first (unless it resumes after a cursor), then each
 * change in order, and ends after the terminal snapshot.
 */

import type { InstanceEvent } from "./gen/taskstream/v1/event_pb.js";
import type { Instance, InstanceStatus } from "./gen/taskstream/v1/instance_pb.js";
import type { OutputStream, Progress, Task, TaskStatus, WaitingReason } from "./gen/taskstream/v1/task_pb.js";
import { dateOf, decodeProperty, type TaskProperty } from "./values.js";

/** The whole instance with its tasks: first, again after a reset of the cursor, and last. */
export interface InstanceSnapshot {
  readonly type: "snapshot";
  /** The sequence number of the last change the snapshot includes. */
  readonly seq: bigint;
  readonly instance: Instance;
}

/** The instance's status changed. */
export interface InstanceStatusChanged {
  readonly type: "instanceStatusChanged";
  readonly seq: bigint;
  /** When the server recorded the change. */
  readonly time: Date | undefined;
  readonly previousStatus: InstanceStatus;
  readonly status: InstanceStatus;
  /** True once terminated with every task SUCCESS. */
  readonly successful: boolean;
}

/** A task's status changed; `task` is its state after the change (without progress and properties). */
export interface TaskStatusChanged {
  readonly type: "taskStatusChanged";
  readonly seq: bigint;
  readonly time: Date | undefined;
  readonly taskName: string;
  readonly previousStatus: TaskStatus;
  readonly status: TaskStatus;
  readonly task: Task;
}

/** A task reported progress; `progress` replaces the previous one. */
export interface TaskProgressUpdated {
  readonly type: "taskProgressUpdated";
  readonly seq: bigint;
  readonly time: Date | undefined;
  readonly taskName: string;
  readonly progress: Progress;
}

/** A task set a property. */
export interface TaskPropertyUpdated {
  readonly type: "taskPropertyUpdated";
  readonly seq: bigint;
  readonly time: Date | undefined;
  readonly taskName: string;
  readonly key: string;
  readonly value: TaskProperty | undefined;
}

/** A task wrote output (only with `includeOutput`). */
export interface TaskOutputAppended {
  readonly type: "taskOutputAppended";
  readonly seq: bigint;
  readonly time: Date | undefined;
  readonly taskName: string;
  readonly stream: OutputStream;
  /**
   * The byte offset of data in the stream of this attempt; a jump means bytes were cut. A number, as
   * OutputChunk's: a byte offset never nears Number.MAX_SAFE_INTEGER (8 PiB).
   */
  readonly offset: number;
  readonly data: Uint8Array;
  /** The attempt that wrote them; a retried task starts its output afresh. */
  readonly attempt: number;
}

/** A workflow task started a sub-instance. */
export interface SubInstanceCreated {
  readonly type: "subInstanceCreated";
  readonly seq: bigint;
  readonly time: Date | undefined;
  /** The sub-instance's resource name. */
  readonly instance: string;
  /** Its name within the workflow. */
  readonly name: string;
  /** The workflow task that started it. */
  readonly taskName: string;
}

/**
 * Why a waiting task waits changed while its status did not: its dependencies ended, its start time or
 * its retry backoff passed.
 */
export interface TaskWaitingReasonChanged {
  readonly type: "taskWaitingReasonChanged";
  readonly seq: bigint;
  readonly time: Date | undefined;
  readonly taskName: string;
  /** Why it waits now. */
  readonly waitingReason: WaitingReason;
}

/** Anything a watch yields. */
export type WatchEvent =
  | InstanceSnapshot
  | InstanceStatusChanged
  | TaskStatusChanged
  | TaskProgressUpdated
  | TaskPropertyUpdated
  | TaskOutputAppended
  | SubInstanceCreated
  | TaskWaitingReasonChanged;

/** The event for one change; undefined for a kind of change added by a newer server. */
export function eventOf(event: InstanceEvent): WatchEvent | undefined {
  const seq = event.seq;
  const time = dateOf(event.time);
  const change = event.change;
  switch (change.case) {
    case "instanceStatusChanged":
      return {
        type: "instanceStatusChanged",
        seq,
        time,
        previousStatus: change.value.previousStatus,
        status: change.value.status,
        successful: change.value.successful,
      };
    case "taskStatusChanged": {
      const task = change.value.task;
      if (task === undefined) {
        return undefined;
      }
      return {
        type: "taskStatusChanged",
        seq,
        time,
        taskName: task.name,
        previousStatus: change.value.previousStatus,
        status: task.status,
        task,
      };
    }
    case "taskProgressUpdated": {
      const progress = change.value.progress;
      if (progress === undefined) {
        return undefined;
      }
      return { type: "taskProgressUpdated", seq, time, taskName: change.value.task, progress };
    }
    case "taskPropertyUpdated": {
      const property = change.value.value;
      return {
        type: "taskPropertyUpdated",
        seq,
        time,
        taskName: change.value.task,
        key: change.value.key,
        value: property === undefined ? undefined : decodeProperty(property),
      };
    }
    case "taskOutputAppended":
      return {
        type: "taskOutputAppended",
        seq,
        time,
        taskName: change.value.task,
        stream: change.value.stream,
        offset: Number(change.value.offset),
        data: change.value.data,
        attempt: change.value.attempt,
      };
    case "subInstanceCreated":
      return {
        type: "subInstanceCreated",
        seq,
        time,
        instance: change.value.instance,
        name: change.value.name,
        taskName: change.value.task,
      };
    case "taskWaitingReasonChanged":
      return {
        type: "taskWaitingReasonChanged",
        seq,
        time,
        taskName: change.value.task,
        waitingReason: change.value.waitingReason,
      };
    default:
      return undefined;
  }
}
