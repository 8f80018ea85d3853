/**
 * The backoff of a resumed stream: which errors are retried, the delays, and when it gives up.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { toApiError } from "../src/errors.js";
import { Backoff } from "../src/retry.js";

const unavailable = toApiError(new ConnectError("down", Code.Unavailable));

test("the first retry is immediate, later ones double up to the maximum", () => {
  const backoff = new Backoff({ attempts: 7, firstDelayMs: 100, maxDelayMs: 350 });
  const delays = [1, 2, 3, 4, 5, 6].map(() => backoff.failed(unavailable));
  assert.deepEqual(delays, [0, 100, 200, 350, 350, 350]);
  assert.throws(
    () => backoff.failed(unavailable),
    (e) => e === unavailable,
  );
});

test("a success starts the count again", () => {
  const backoff = new Backoff({ attempts: 2, firstDelayMs: 10, maxDelayMs: 10 });
  assert.equal(backoff.failed(unavailable), 0);
  backoff.succeeded();
  assert.equal(backoff.failed(unavailable), 0);
  assert.throws(() => backoff.failed(unavailable));
});

test("only transient codes are retried", () => {
  for (const code of [Code.Unavailable, Code.Internal, Code.Canceled, Code.Aborted, Code.ResourceExhausted]) {
    assert.equal(
      new Backoff({ attempts: 3, firstDelayMs: 1, maxDelayMs: 1 }).failed(
        toApiError(new ConnectError("x", code)),
      ),
      0,
    );
  }
  for (const code of [Code.NotFound, Code.InvalidArgument, Code.PermissionDenied, Code.DeadlineExceeded]) {
    const error = toApiError(new ConnectError("x", code));
    assert.throws(
      () => new Backoff({ attempts: 3, firstDelayMs: 1, maxDelayMs: 1 }).failed(error),
      (e) => e === error,
    );
  }
});
