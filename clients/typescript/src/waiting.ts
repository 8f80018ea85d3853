/**
 * Waiting by long polls (WaitInstance, WaitInstances): the server holds each call until the instances end
 * or the call's wait passes, so nothing polls. A wait longer than one call allows is a loop of calls; a
 * wait whose timeout passes rejects with WaitTimeoutError, and a wait for success rejects with
 * InstanceFailedError for an instance that ended otherwise.
 */

import { create } from "@bufbuild/protobuf";
import type { Client as ServiceClient } from "@connectrpc/connect";
import { duration } from "./duration.js";
import { InstanceFailedError, WaitTimeoutError } from "./errors.js";
import { type Instance, InstanceStatus } from "./gen/taskstream/v1/instance_pb.js";
import {
  type InstanceService,
  WaitInstanceRequestSchema,
  WaitInstancesRequestSchema,
  WaitMode,
} from "./gen/taskstream/v1/instance_service_pb.js";
import { call, required } from "./rpc.js";

/** The longest one wait call may wait; the server never waits longer. */
export const MAX_WAIT_MS = 600_000;
/** How much longer than its server-side timeout a wait call may take before the client gives up on it. */
export const WAIT_GRACE_MS = 30_000;

/** Options of Client.wait, Client.waitForSuccess and Client.execute. */
export interface WaitOptions {
  /**
   * Reject with a WaitTimeoutError (which carries the instance as last seen) when the instance has not
   * terminated after this many milliseconds; unset waits as long as it takes.
   */
  readonly timeoutMs?: number;
  /** Aborts the wait; it then rejects with an ApiError with code CANCELLED. */
  readonly signal?: AbortSignal;
}

/** Options of Client.waitInstances. */
export interface WaitInstancesOptions extends WaitOptions {
  /** "all" (the default) waits until every instance is terminated, "any" until one is. */
  readonly mode?: "all" | "any";
}

/** The time left of one wait, handed out as the waits of its calls. */
export class Deadline {
  private readonly end: number;

  constructor(readonly timeoutMs: number | undefined) {
    if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
      throw new RangeError(`timeoutMs must be a number >= 0, not ${timeoutMs}`);
    }
    this.end = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  }

  /** Milliseconds left; Infinity without a timeout. */
  remaining(): number {
    return Math.max(0, this.end - Date.now());
  }

  /**
   * The wait of the next call, at most `longest`, and whether it is the last one: a call that waits out
   * all the time left ends the wait either way. At least 1 ms, as the server reads zero as its default.
   */
  next(longest: number): { readonly ms: number; readonly last: boolean } {
    const remaining = this.remaining();
    return { ms: Math.max(1, Math.min(remaining, longest)), last: remaining <= longest };
  }
}

/** The terminated instance; WaitTimeoutError when the deadline passes first. */
export async function waitInstance(
  service: ServiceClient<typeof InstanceService>,
  name: string,
  deadline: Deadline,
  options: { readonly signal?: AbortSignal },
): Promise<Instance> {
  const signal = options.signal ? { signal: options.signal } : {};
  for (;;) {
    const slice = deadline.next(MAX_WAIT_MS);
    const request = create(WaitInstanceRequestSchema, { name, timeout: duration(slice.ms) });
    const callOptions = { timeoutMs: slice.ms + WAIT_GRACE_MS, ...signal };
    const response = await call(() => service.waitInstance(request, callOptions));
    const instance = required(response.instance);
    if (response.terminated) {
      return instance;
    }
    if (slice.last) {
      throw new WaitTimeoutError([name], [instance], deadline.timeoutMs ?? 0);
    }
  }
}

/** The instances in the order named, once the mode's condition holds; WaitTimeoutError otherwise. */
export async function waitInstances(
  service: ServiceClient<typeof InstanceService>,
  names: readonly string[],
  options: WaitInstancesOptions,
): Promise<Instance[]> {
  const mode = options.mode ?? "all";
  if (mode !== "all" && mode !== "any") {
    throw new RangeError(`mode must be "all" or "any", not ${String(mode)}`);
  }
  const deadline = new Deadline(options.timeoutMs);
  if (names.length === 0) {
    return []; // nothing to wait for: the condition holds already
  }
  const signal = options.signal ? { signal: options.signal } : {};
  for (;;) {
    const slice = deadline.next(MAX_WAIT_MS);
    const request = create(WaitInstancesRequestSchema, {
      names: [...names],
      mode: mode === "any" ? WaitMode.ANY : WaitMode.ALL,
      timeout: duration(slice.ms),
    });
    const callOptions = { timeoutMs: slice.ms + WAIT_GRACE_MS, ...signal };
    const response = await call(() => service.waitInstances(request, callOptions));
    if (response.done) {
      return response.instances;
    }
    if (slice.last) {
      const running = response.instances.filter((i) => i.status !== InstanceStatus.TERMINATED);
      const named = running.length > 0 ? running.map((i) => i.name) : names;
      throw new WaitTimeoutError(named, response.instances, deadline.timeoutMs ?? 0);
    }
  }
}

/** The instance when it is successful; an InstanceFailedError for a terminated unsuccessful one. */
export function successful(instance: Instance): Instance {
  if (instance.status === InstanceStatus.TERMINATED && !instance.successful) {
    throw new InstanceFailedError(instance);
  }
  return instance;
}
