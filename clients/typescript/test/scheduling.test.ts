/**
 * Issue 22's scheduling against a scripted server: retry policies, dependencies and concurrency limits
 * on tasks, start time, retention and binding on instances, cancelTask, deleteInstance, keepBound, and a
 * task's attempt history and waiting reason.
 */

import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { create, equals, toJsonString } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ApiError,
  CancellationReason,
  FailedPreconditionError,
  InstanceStatus,
  NotFoundError,
  TaskError,
  TaskStatus,
  WaitingReason,
  type WatchEvent,
} from "../src/index.js";
import { ErrorInfoSchema } from "../src/gen/google/rpc/error_details_pb.js";
import { InstanceEventSchema } from "../src/gen/taskstream/v1/event_pb.js";
import {
  type CancelTaskRequest,
  CancelTaskRequestSchema,
  type CreateInstanceRequest,
  CreateInstanceRequestSchema,
  WatchInstanceResponseSchema,
  type WatchInstanceResponse,
} from "../src/gen/taskstream/v1/instance_service_pb.js";
import { instance, startFakeServer, type FakeServer } from "./support/fake-server.js";

let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function snapshot(seq: bigint, status = InstanceStatus.RUNNING): WatchInstanceResponse {
  return create(WatchInstanceResponseSchema, {
    kind: { case: "snapshot", value: instance({ seq, status }) },
  });
}

function withReason(code: Code, reason: string): ConnectError {
  return new ConnectError("refused", code, undefined, [{ desc: ErrorInfoSchema, value: { reason } }]);
}

test("createInstance sends retry policies, dependencies, limits, start time, retention and binding", async () => {
  const requests: CreateInstanceRequest[] = [];
  server = await startFakeServer({
    createInstance(request) {
      requests.push(request);
      return { instance: instance() };
    },
  });
  const start = new Date("2026-12-01T08:30:00.500Z");
  await server.client.createInstance({
    tasks: [
      {
        name: "extract",
        type: "echo",
        retry: {
          maxAttempts: 3,
          initialBackoffMs: 100,
          backoffMultiplier: 1.5,
          maxBackoffMs: 10_000,
          jitter: 0.2,
          nonRetryableErrorTypes: ["ValueError"],
        },
      },
      { name: "load", type: "echo", dependsOn: ["extract"] },
      { name: "notify", type: "echo", dependsOn: ["extract", { task: "load", allowFailure: true }] },
      { name: "export", type: "echo", concurrencyKey: "warehouse", concurrencyLimit: 2 },
    ],
    retry: { maxAttempts: 2 },
    startTime: start,
    retentionMs: 3_600_000,
    cancelOnClientDisconnection: true,
    clientDisconnectGraceMs: 45_000,
  });
  const want = create(CreateInstanceRequestSchema, {
    parent: "projects/test",
    tasks: [
      {
        name: "extract",
        type: "echo",
        retryPolicy: {
          maxAttempts: 3,
          initialBackoff: durationFromMs(100),
          backoffMultiplier: 1.5,
          maxBackoff: durationFromMs(10_000),
          jitter: 0.2,
          nonRetryableErrorTypes: ["ValueError"],
        },
      },
      { name: "load", type: "echo", dependencies: [{ task: "extract" }] },
      {
        name: "notify",
        type: "echo",
        dependencies: [{ task: "extract" }, { task: "load", allowFailure: true }],
      },
      { name: "export", type: "echo", concurrencyKey: "warehouse", concurrencyLimit: 2 },
    ],
    startTime: timestampFromDate(start),
    options: {
      retryPolicy: { maxAttempts: 2 }, // unset backoffs: the server's defaults
      retention: durationFromMs(3_600_000),
      cancelOnClientDisconnection: true,
      clientDisconnectGrace: durationFromMs(45_000),
    },
  });
  assert.equal(requests.length, 1);
  const [sent] = requests;
  assert.ok(sent);
  assert.equal(
    toJsonString(CreateInstanceRequestSchema, sent),
    toJsonString(CreateInstanceRequestSchema, want),
  );
  assert.ok(equals(CreateInstanceRequestSchema, sent, want));
});

test("an instance without these options sends none of them", async () => {
  const requests: CreateInstanceRequest[] = [];
  server = await startFakeServer({
    createInstance(request) {
      requests.push(request);
      return { instance: instance() };
    },
  });
  await server.client.createInstance({ tasks: [{ type: "echo" }] });
  const [sent] = requests;
  assert.ok(sent);
  assert.equal(sent.startTime, undefined);
  assert.equal(sent.options?.retryPolicy, undefined);
  assert.equal(sent.options?.retention, undefined);
  assert.equal(sent.options?.cancelOnClientDisconnection, false);
  assert.deepEqual(sent.tasks[0]?.dependencies, []);
  assert.equal(sent.tasks[0]?.retryPolicy, undefined);
  assert.equal(sent.tasks[0]?.concurrencyKey, "");
});

test("cancelTask names the task and sends its reason, message and grace period", async () => {
  const requests: CancelTaskRequest[] = [];
  server = await startFakeServer({
    cancelTask(request) {
      requests.push(request);
      return { instance: instance() };
    },
  });
  const cancelled = await server.client.cancelTask("i1", "load", {
    message: "not needed",
    gracePeriodMs: 2000,
  });
  assert.equal(cancelled.name, "projects/test/instances/i1");
  await server.client.cancelTask("projects/test/instances/i2", "extract", {
    reason: CancellationReason.TIMEOUT,
  });
  assert.equal(requests.length, 2);
  const [first, second] = requests;
  assert.ok(
    first &&
      equals(
        CancelTaskRequestSchema,
        first,
        create(CancelTaskRequestSchema, {
          name: "projects/test/instances/i1/tasks/load",
          reason: CancellationReason.DIRECT,
          message: "not needed",
          gracePeriod: durationFromMs(2000),
        }),
      ),
  );
  assert.equal(second?.name, "projects/test/instances/i2/tasks/extract");
  assert.equal(second?.reason, CancellationReason.TIMEOUT);
  assert.equal(second?.gracePeriod, undefined);
  await assert.rejects(server.client.cancelTask("i1", ""), RangeError);
  assert.equal(requests.length, 2);
});

test("cancelTask of a task that ended rejects with FailedPreconditionError and the reason", async () => {
  server = await startFakeServer({
    cancelTask() {
      throw withReason(Code.FailedPrecondition, "TASK_TERMINATED");
    },
  });
  await assert.rejects(
    server.client.cancelTask("i1", "load"),
    (e) => e instanceof FailedPreconditionError && e.reason === "TASK_TERMINATED",
  );
});

test("deleteInstance names the instance; reading it then is NotFoundError, reason INSTANCE_DELETED", async () => {
  const deleted: string[] = [];
  server = await startFakeServer({
    deleteInstance(request) {
      deleted.push(request.name);
      return { deleteTime: timestampFromDate(new Date()) };
    },
    getInstance() {
      throw withReason(Code.NotFound, "INSTANCE_DELETED");
    },
  });
  assert.equal(await server.client.deleteInstance("i1"), undefined);
  assert.deepEqual(deleted, ["projects/test/instances/i1"]);
  await assert.rejects(
    server.client.getInstance("i1"),
    (e) => e instanceof NotFoundError && e.reason === "INSTANCE_DELETED",
  );
});

test("deleteInstance of a running instance rejects with FailedPreconditionError", async () => {
  server = await startFakeServer({
    deleteInstance() {
      throw withReason(Code.FailedPrecondition, "INSTANCE_NOT_TERMINATED");
    },
  });
  await assert.rejects(
    server.client.deleteInstance("i1"),
    (e) => e instanceof FailedPreconditionError && e.reason === "INSTANCE_NOT_TERMINATED",
  );
});

test("result names the dependencies a waiting task waits on", async () => {
  server = await startFakeServer({
    getTaskResult() {
      return {
        task: {
          name: "report",
          status: TaskStatus.WAITING,
          waitingReason: WaitingReason.DEPENDENCY,
          waitingOn: ["extract", "load"],
        },
      };
    },
  });
  const result = await server.client.result("i1", "report");
  assert.equal(result.waitingReason, WaitingReason.DEPENDENCY);
  assert.deepEqual(result.waitingOn, ["extract", "load"]);
});

test("result decodes the attempt history and the waiting reason", async () => {
  const started = new Date("2026-12-01T08:00:00.000Z");
  server = await startFakeServer({
    getTaskResult() {
      return {
        task: {
          name: "extract",
          status: TaskStatus.WAITING,
          waitingReason: WaitingReason.BACKOFF,
          attemptHistory: [
            {
              attempt: 1,
              status: TaskStatus.FAILED,
              worker: "w1",
              startTime: timestampFromDate(started),
              endTime: timestampFromDate(new Date(started.getTime() + 1000)),
              error: { type: "builtins.OSError", message: "attempt 1 failed", traceback: "Traceback ..." },
            },
            {
              attempt: 2,
              status: TaskStatus.TIMED_OUT,
              result: { kind: { case: "json", value: '{"partial": true}' } },
            },
          ],
        },
      };
    },
  });
  const result = await server.client.result("i1", "extract");
  assert.equal(result.waitingReason, WaitingReason.BACKOFF);
  assert.deepEqual(result.waitingOn, []);
  assert.equal(result.attemptHistory.length, 2);
  const [first, second] = result.attemptHistory;
  assert.ok(first && second);
  assert.deepEqual(
    [first.number, first.status, first.worker, first.startTime, first.endTime],
    [1, TaskStatus.FAILED, "w1", started, new Date(started.getTime() + 1000)],
  );
  assert.ok(first.error instanceof TaskError);
  assert.deepEqual([first.error.type, first.error.message], ["builtins.OSError", "attempt 1 failed"]);
  assert.equal(first.valueKind, "none");
  assert.deepEqual(
    [second.number, second.status, second.startTime, second.error, second.value, second.valueKind],
    [2, TaskStatus.TIMED_OUT, undefined, undefined, { partial: true }, "json"],
  );
});

test("a watch yields a waiting task's new reason", async () => {
  server = await startFakeServer({
    async *watchInstance() {
      yield snapshot(1n);
      const value = create(InstanceEventSchema, {
        seq: 2n,
        time: { seconds: 1n },
        change: {
          case: "taskWaitingReasonChanged",
          value: { task: "load", waitingReason: WaitingReason.QUEUED },
        },
      });
      yield create(WatchInstanceResponseSchema, { kind: { case: "event", value } });
      yield snapshot(3n, InstanceStatus.TERMINATED);
    },
  });
  const events: WatchEvent[] = [];
  for await (const e of server.client.watch("i1")) {
    events.push(e);
  }
  assert.deepEqual(events[1], {
    type: "taskWaitingReasonChanged",
    seq: 2n,
    time: new Date(1000),
    taskName: "load",
    waitingReason: WaitingReason.QUEUED,
  });
});

test("keepBound holds a watch across drops until the instance terminates, and resolves with it", async () => {
  const cursors: bigint[] = [];
  server = await startFakeServer({
    async *watchInstance(request) {
      cursors.push(request.afterSeq);
      if (cursors.length === 1) {
        yield snapshot(4n);
        throw new ConnectError("connection reset", Code.Unavailable);
      }
      yield snapshot(7n, InstanceStatus.TERMINATED);
    },
  });
  const terminated = await server.client.keepBound("i1", {
    retry: { attempts: 3, firstDelayMs: 1, maxDelayMs: 1 },
  });
  assert.equal(terminated.status, InstanceStatus.TERMINATED);
  assert.equal(terminated.seq, 7n);
  assert.deepEqual(cursors, [0n, 4n]);
});

test("keepBound lets the instance go when its signal aborts", async () => {
  let opened: () => void = () => undefined;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const { client } = (server = await startFakeServer({
    async *watchInstance(_request, context) {
      yield snapshot(1n);
      opened();
      await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
    },
  }));
  const controller = new AbortController();
  const bound = client.keepBound("i1", { signal: controller.signal });
  await open;
  controller.abort();
  await assert.rejects(bound, (e) => e instanceof ApiError && e.codeName === "CANCELLED");
});

test("keepBound of an unknown instance rejects with NotFoundError", async () => {
  server = await startFakeServer({
    async *watchInstance() {
      throw new ConnectError("no instance i1", Code.NotFound);
    },
  });
  await assert.rejects(server.client.keepBound("i1"), NotFoundError);
});
