/**
 * The watch loop: WatchInstance messages become events, and a dropped stream is resumed after the last
 * sequence number seen, so nothing is lost or repeated.
 */

import { create } from "@bufbuild/protobuf";
import { Code, type Client as ServiceClient } from "@connectrpc/connect";
import { duration } from "./duration.js";
import { clientError, toApiError, type TaskstreamError } from "./errors.js";
import { eventOf, type WatchEvent } from "./events.js";
import { InstanceStatus } from "./gen/taskstream/v1/instance_pb.js";
import {
  type InstanceService,
  type WatchEnd,
  WatchEndReason,
  WatchInstanceRequestSchema,
} from "./gen/taskstream/v1/instance_service_pb.js";
import { Backoff, DEFAULT_RETRY_POLICY, delay, type RetryPolicy } from "./retry.js";

/** Options of Client.watch. */
export interface WatchOptions {
  /** Start after this sequence number (the last `seq` seen) instead of with a snapshot. */
  readonly afterSeq?: bigint;
  /** Also yield the tasks' stdout and stderr as TaskOutputAppended events. */
  readonly includeOutput?: boolean;
  /** How often the server sends a heartbeat while nothing changes (100 ms to 300 s; default 10 s). */
  readonly heartbeatIntervalMs?: number;
  /** How a dropped stream is resumed. */
  readonly retry?: RetryPolicy;
  /** Ends the watch; the iteration then throws an ApiError with code CANCELLED. */
  readonly signal?: AbortSignal;
}

export async function* watchInstance(
  service: ServiceClient<typeof InstanceService>,
  name: string,
  options: WatchOptions = {},
): AsyncGenerator<WatchEvent, void, undefined> {
  const { signal } = options;
  let cursor = options.afterSeq ?? 0n;
  if (cursor < 0n) {
    throw new RangeError(`afterSeq must be >= 0, not ${cursor}`);
  }
  const backoff = new Backoff(options.retry ?? DEFAULT_RETRY_POLICY);
  for (;;) {
    const request = create(WatchInstanceRequestSchema, {
      name,
      afterSeq: cursor,
      includeOutput: options.includeOutput ?? false,
    });
    if (options.heartbeatIntervalMs !== undefined) {
      request.heartbeatInterval = duration(options.heartbeatIntervalMs);
    }
    // One controller per try, so a consumer that stops iterating also ends the call.
    const controller = new AbortController();
    const abort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener("abort", abort);
    let failure: TaskstreamError;
    try {
      for await (const response of service.watchInstance(request, { signal: controller.signal })) {
        const kind = response.kind;
        if (kind.case === "snapshot") {
          backoff.succeeded();
          cursor = kind.value.seq; // a reset may move the cursor anywhere; the snapshot is the truth
          yield { type: "snapshot", seq: kind.value.seq, instance: kind.value };
          if (kind.value.status === InstanceStatus.TERMINATED) {
            return;
          }
        } else if (kind.case === "event") {
          backoff.succeeded();
          if (kind.value.seq <= cursor) {
            continue; // already yielded before the stream was resumed
          }
          cursor = kind.value.seq;
          const event = eventOf(kind.value);
          if (event !== undefined) {
            yield event;
          }
        } else if (kind.case === "heartbeat") {
          backoff.succeeded();
        } else if (kind.case === "end") {
          throw endError(name, kind.value);
        }
      }
      failure = clientError(Code.Unavailable, `the watch of ${name} ended before the instance terminated`);
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

/** The error a WatchEnd stands for: NOT_FOUND when the instance was deleted, else UNAVAILABLE (resumed). */
function endError(name: string, end: WatchEnd): TaskstreamError {
  const explanation = end.message ? `: ${end.message}` : "";
  if (end.reason === WatchEndReason.INSTANCE_DELETED) {
    return clientError(Code.NotFound, `instance ${name} was deleted${explanation}`);
  }
  // SERVER_DRAINING, or a reason added by a newer server: try again, perhaps on another replica.
  return clientError(Code.Unavailable, `the server ended the watch of ${name}${explanation}`);
}
