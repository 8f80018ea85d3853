/**
 * Reading a task's stdout or stderr (ReadTaskOutput): chunks from a byte offset, or the last bytes by a
 * negative one, optionally following the task until it ends. A dropped stream is resumed at the byte
 * after the last one yielded, so no byte is lost or yielded twice.
 */

import { create } from "@bufbuild/protobuf";
import type { Client as ServiceClient } from "@connectrpc/connect";
import { toApiError, type TaskstreamError } from "./errors.js";
import {
  type InstanceService,
  ReadTaskOutputRequestSchema,
} from "./gen/taskstream/v1/instance_service_pb.js";
import { OutputStream } from "./gen/taskstream/v1/task_pb.js";
import { Backoff, DEFAULT_RETRY_POLICY, delay, type RetryPolicy } from "./retry.js";

/** Options of Client.readOutput. */
export interface ReadOutputOptions {
  /** The task's name; may be omitted when the instance has one task. */
  readonly task?: string;
  /** Which stream; default OutputStream.STDOUT. */
  readonly stream?: OutputStream;
  /**
   * The byte offset to start at (default 0); a negative number starts that many bytes before the
   * current end, as `tail -c` does.
   */
  readonly offset?: number;
  /** Keep reading what the task writes until it ends, then end after its last byte. Default false. */
  readonly follow?: boolean;
  /** How a dropped stream is resumed. */
  readonly retry?: RetryPolicy;
  /** Ends the read; the iteration then throws an ApiError with code CANCELLED. */
  readonly signal?: AbortSignal;
}

/** Bytes of a task's output stream. */
export interface OutputChunk {
  /** The byte offset of `data` in the stream (a number: a byte offset never nears 2^53, 8 PiB). */
  readonly offset: number;
  /** The bytes (decode text with a TextDecoder, which may hold a split UTF-8 sequence between chunks). */
  readonly data: Uint8Array;
  /**
   * How many bytes just before `offset` the server did not keep (it keeps a task's output up to a cap:
   * its head and its tail); 0 when nothing was cut there.
   */
  readonly cutBytes: number;
}

export async function* readOutput(
  service: ServiceClient<typeof InstanceService>,
  instance: string,
  options: ReadOutputOptions,
): AsyncGenerator<OutputChunk, void, undefined> {
  const { signal } = options;
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset)) {
    throw new RangeError(`offset must be a safe integer, not ${offset}`);
  }
  const request = create(ReadTaskOutputRequestSchema, {
    instance,
    task: options.task ?? "",
    stream: options.stream ?? OutputStream.STDOUT,
    offset: BigInt(offset),
    follow: options.follow ?? false,
  });
  const backoff = new Backoff(options.retry ?? DEFAULT_RETRY_POLICY);
  for (;;) {
    // One controller per try, so a consumer that stops iterating also ends the call.
    const controller = new AbortController();
    const abort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener("abort", abort);
    let failure: TaskstreamError;
    try {
      for await (const response of service.readTaskOutput(request, { signal: controller.signal })) {
        backoff.succeeded();
        let { offset: start, data, cutBytes } = response;
        // A negative request offset stays the request until the first chunk says where the tail starts.
        const known = request.offset;
        if (known > 0n && start < known) {
          // A resumed stream went back: drop what was yielded already.
          data = data.subarray(Number(known - start));
          start = known;
          cutBytes = 0n;
          if (data.length === 0) {
            continue;
          }
        }
        request.offset = start + BigInt(data.length);
        yield { offset: Number(start), data, cutBytes: Number(cutBytes) };
      }
      return;
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
