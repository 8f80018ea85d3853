/**
 * When a dropped stream is resumed: which failures count as transient, and the backoff between tries.
 *
 * A watch resumes by itself from its cursor after a transient failure. One that keeps failing without
 * receiving anything gives up after `attempts` tries in a row and throws the last error; any message
 * received resets the count.
 */

import { Code } from "@connectrpc/connect";
import { ApiError, toApiError, type TaskstreamError } from "./errors.js";

/**
 * How a watch resumes: the first resume is immediate (one drop is normal), later ones wait
 * `firstDelayMs` doubling up to `maxDelayMs`; after `attempts` failures in a row it gives up.
 */
export interface RetryPolicy {
  readonly attempts: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 8, firstDelayMs: 100, maxDelayMs: 5000 };

/**
 * Codes a resumed stream may succeed after: the server restarted or drained, the connection broke (a cut
 * TCP connection is INTERNAL here) or its stream was reset (RST_STREAM CANCEL is CANCELLED), or the
 * server shed load or found the reader too slow. A watch never asks about its own cancellation: it stops
 * before retrying when its caller's signal is aborted or its caller stopped iterating.
 */
const RETRYABLE = new Set<Code>([
  Code.Unavailable,
  Code.Internal,
  Code.Canceled,
  Code.Aborted,
  Code.ResourceExhausted,
]);

/** Counts failures in a row and says how long to wait before the next try. */
export class Backoff {
  private failures = 0;

  constructor(private readonly policy: RetryPolicy) {}

  /** Something arrived: the next failure is the first in a row again. */
  succeeded(): void {
    this.failures = 0;
  }

  /** Milliseconds to wait before retrying after `error`; throws it when the stream should give up. */
  failed(error: TaskstreamError): number {
    if (!(error instanceof ApiError) || !RETRYABLE.has(error.code)) {
      throw error;
    }
    this.failures += 1;
    if (this.failures >= this.policy.attempts) {
      throw error;
    }
    if (this.failures === 1) {
      return 0;
    }
    return Math.min(this.policy.firstDelayMs * 2 ** (this.failures - 2), this.policy.maxDelayMs);
  }
}

/** Resolves after `ms` milliseconds; rejects with the abort's ApiError (CANCELLED) when `signal` aborts. */
export function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener("abort", cancel);
      resolve();
    }
    function cancel(): void {
      clearTimeout(timer);
      reject(toApiError(signal?.reason));
    }
    signal?.addEventListener("abort", cancel, { once: true });
  });
}
