/**
 * Following a whole project (Client.watchInstances): a snapshot of the instances that match, then each
 * instance-level change in the project's order. A dropped stream is resumed after the last project
 * sequence number seen, so nothing is lost or repeated; the watch never ends by itself.
 */

import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, type Client as ServiceClient } from "@connectrpc/connect";
import { duration } from "./duration.js";
import { clientError, toApiError, type TaskstreamError } from "./errors.js";
import type { InstanceStatus } from "./gen/taskstream/v1/instance_pb.js";
import {
  type InstanceService,
  WatchInstancesRequestSchema,
} from "./gen/taskstream/v1/instance_service_pb.js";
import type { InstanceSummary, ProjectInstanceEvent } from "./gen/taskstream/v1/project_event_pb.js";
import { Backoff, DEFAULT_RETRY_POLICY, delay, type RetryPolicy } from "./retry.js";

/** Options of Client.watchInstances: which instances to follow, and from where. */
export interface WatchInstancesOptions {
  /**
   * Only instances in one of these statuses; unset or empty means any. The change that takes an
   * instance out of them is still yielded, so the follower sees it go.
   */
  readonly statuses?: readonly InstanceStatus[];
  /** Only instances created by this principal. */
  readonly owner?: string;
  /** Only instances carrying every one of these labels with that value. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Only instances with a task of one of these types. */
  readonly taskTypes?: readonly string[];
  /** Only instances created at or after this time. */
  readonly createTimeStart?: Date;
  /** Only instances created before this time. */
  readonly createTimeEnd?: Date;
  /** The most instances a snapshot holds (the newest); unset means the server's 1000. */
  readonly snapshotLimit?: number;
  /** Resume after this project sequence number (the last `seq` seen, a heartbeat's included). */
  readonly afterSeq?: bigint;
  /** Also yield the server's heartbeats, sent while nothing is sent. */
  readonly heartbeats?: boolean;
  /** How often the server sends a heartbeat while nothing is sent (100 ms to 300 s; default 10 s). */
  readonly heartbeatIntervalMs?: number;
  /** How a dropped stream is resumed. */
  readonly retry?: RetryPolicy;
  /** Ends the watch; the iteration then throws an ApiError with code CANCELLED. */
  readonly signal?: AbortSignal;
}

/**
 * The project's instances that matched the filter at project position `seq`, newest first, each without
 * its tasks: first, and again when the server no longer keeps the changes a resumed watch missed
 * (replace what you hold). `truncated`: more matched than the snapshot's limit.
 */
export interface ProjectSnapshot {
  readonly type: "projectSnapshot";
  readonly seq: bigint;
  readonly instances: readonly InstanceSummary[];
  readonly truncated: boolean;
}

/** An instance was created; `instance` is its first state. */
export interface InstanceCreated {
  readonly type: "instanceCreated";
  /** The project's sequence number of the change. */
  readonly seq: bigint;
  readonly time: Date | undefined;
  readonly instance: InstanceSummary;
  /** The workflow that started it, for sub-instances. */
  readonly parentInstance: string;
}

/** An instance's status changed; it ended when `status` is TERMINATED. */
export interface InstanceStatusUpdated {
  readonly type: "instanceStatusUpdated";
  readonly seq: bigint;
  readonly time: Date | undefined;
  readonly instance: InstanceSummary;
  readonly previousStatus: InstanceStatus;
  readonly status: InstanceStatus;
  /** True once terminated with every task SUCCESS. */
  readonly successful: boolean;
}

/** Retention deleted an instance (its summary has its name, id, status, successful and end time). */
export interface InstanceDeleted {
  readonly type: "instanceDeleted";
  readonly seq: bigint;
  readonly time: Date | undefined;
  readonly instance: InstanceSummary;
}

/** The server's heartbeat: the stream is alive, and has reached project position `seq`. */
export interface ProjectHeartbeat {
  readonly type: "heartbeat";
  readonly seq: bigint;
  readonly time: Date | undefined;
}

/** What Client.watchInstances yields, switched on `type`. */
export type ProjectEvent =
  ProjectSnapshot | InstanceCreated | InstanceStatusUpdated | InstanceDeleted | ProjectHeartbeat;

export async function* watchProject(
  service: ServiceClient<typeof InstanceService>,
  project: string,
  options: WatchInstancesOptions = {},
): AsyncGenerator<ProjectEvent, void, undefined> {
  const { signal } = options;
  let cursor = options.afterSeq ?? 0n;
  if (cursor < 0n) {
    throw new RangeError(`afterSeq must be >= 0, not ${cursor}`);
  }
  const parent = `projects/${project}`;
  const backoff = new Backoff(options.retry ?? DEFAULT_RETRY_POLICY);
  for (;;) {
    const request = create(WatchInstancesRequestSchema, {
      parent,
      afterSeq: cursor,
      statuses: [...(options.statuses ?? [])],
      owner: options.owner ?? "",
      labels: { ...options.labels },
      taskTypes: [...(options.taskTypes ?? [])],
      snapshotLimit: options.snapshotLimit ?? 0,
      ...(options.createTimeStart ? { createTimeStart: timestampFromDate(options.createTimeStart) } : {}),
      ...(options.createTimeEnd ? { createTimeEnd: timestampFromDate(options.createTimeEnd) } : {}),
    });
    if (options.heartbeatIntervalMs !== undefined) {
      request.heartbeatInterval = duration(options.heartbeatIntervalMs);
    }
    const controller = new AbortController();
    const abort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener("abort", abort);
    let pages: InstanceSummary[] = []; // a snapshot half read starts over
    let failure: TaskstreamError;
    try {
      for await (const response of service.watchInstances(request, { signal: controller.signal })) {
        const kind = response.kind;
        if (kind.case === "snapshot") {
          backoff.succeeded();
          pages.push(...kind.value.instances);
          if (!kind.value.last) {
            continue;
          }
          cursor = kind.value.seq;
          const instances = pages;
          pages = [];
          yield { type: "projectSnapshot", seq: kind.value.seq, instances, truncated: kind.value.truncated };
        } else if (kind.case === "event") {
          backoff.succeeded();
          if (kind.value.seq <= cursor) {
            continue; // already yielded before the stream was resumed
          }
          cursor = kind.value.seq;
          const event = projectEventOf(kind.value);
          if (event !== undefined) {
            yield event;
          }
        } else if (kind.case === "heartbeat") {
          backoff.succeeded();
          if (kind.value.seq > cursor) {
            cursor = kind.value.seq;
          }
          if (options.heartbeats) {
            yield { type: "heartbeat", seq: kind.value.seq, time: date(kind.value.time) };
          }
        } else if (kind.case === "end") {
          if (kind.value.resumeAfterSeq > cursor) {
            cursor = kind.value.resumeAfterSeq;
          }
          const explanation = kind.value.message ? `: ${kind.value.message}` : "";
          throw clientError(Code.Unavailable, `the server ended the watch of ${parent}${explanation}`);
        }
      }
      failure = clientError(Code.Unavailable, `the watch of ${parent} ended`);
    } catch (error) {
      failure = toApiError(error);
    } finally {
      signal?.removeEventListener("abort", abort);
      controller.abort();
    }
    if (signal?.aborted) {
      throw failure;
    }
    await delay(backoff.failed(failure), signal);
  }
}

function date(stamp: Parameters<typeof timestampDate>[0] | undefined): Date | undefined {
  return stamp ? timestampDate(stamp) : undefined;
}

/** The event for one change, or undefined for a kind of change this client does not know. */
function projectEventOf(event: ProjectInstanceEvent): ProjectEvent | undefined {
  const base = { seq: event.seq, time: date(event.time), instance: required(event.instance) };
  const change = event.change;
  switch (change.case) {
    case "instanceCreated":
      return { type: "instanceCreated", ...base, parentInstance: change.value.parentInstance };
    case "instanceStatusChanged":
      return {
        type: "instanceStatusUpdated",
        ...base,
        previousStatus: change.value.previousStatus,
        status: change.value.status,
        successful: change.value.successful,
      };
    case "instanceDeleted":
      return { type: "instanceDeleted", ...base };
    default:
      return undefined;
  }
}

function required(summary: InstanceSummary | undefined): InstanceSummary {
  if (summary === undefined) {
    throw clientError(Code.Internal, "a project event without its instance");
  }
  return summary;
}
