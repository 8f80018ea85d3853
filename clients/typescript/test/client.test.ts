/**
 * The helper against a scripted server over a real HTTP/2 channel: requests it sends, responses it
 * decodes, and the typed errors it throws for google.rpc.Status details.
 */

import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ApiError,
  CancellationReason,
  FailedPreconditionError,
  InstanceFailedError,
  InstanceStatus,
  InvalidArgumentError,
  NotFoundError,
  TaskError,
  TaskStatus,
  TaskstreamError,
  UnavailableError,
  WaitMode,
  WaitTimeoutError,
} from "../src/index.js";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  ResourceInfoSchema,
} from "../src/gen/google/rpc/error_details_pb.js";
import { GetTaskResultResponseSchema } from "../src/gen/taskstream/v1/instance_service_pb.js";
import { instance, startFakeServer, type FakeServer } from "./support/fake-server.js";

let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const encoder = new TextEncoder();

describe("requests", () => {
  test("createInstance sends the project, the tasks with JSON parameters, options and the user", async () => {
    let seen: { request: unknown; user: string | null } | undefined;
    server = await startFakeServer(
      {
        createInstance(request, context) {
          seen = { request, user: context.requestHeader.get("x-taskstream-user") };
          return { instance: instance({ owner: "ana" }) };
        },
      },
      { user: "ana" },
    );
    const created = await server.client.createInstance({
      tasks: [{ type: "echo", parameters: { text: "hi", n: [1, 2] }, name: "first", timeoutMs: 1500 }],
      priority: 0,
      labels: { team: "a" },
      requestId: "r1",
      cancelOnTaskFailure: true,
    });
    assert.equal(created.owner, "ana");
    assert.ok(seen);
    assert.equal(seen.user, "ana");
    const request = seen.request as {
      parent: string;
      tasks: {
        type: string;
        name: string;
        parametersJson: string;
        timeout?: { seconds: bigint; nanos: number };
      }[];
      priority?: number;
      labels: Record<string, string>;
      requestId: string;
      options?: { cancelOnTaskFailure: boolean };
    };
    assert.equal(request.parent, "projects/test");
    assert.equal(request.tasks.length, 1);
    const task = request.tasks[0];
    assert.ok(task);
    assert.equal(task.type, "echo");
    assert.equal(task.name, "first");
    assert.deepEqual(JSON.parse(task.parametersJson), { text: "hi", n: [1, 2] });
    assert.ok(task.timeout);
    assert.equal(durationMs(task.timeout as never), 1500);
    assert.equal(request.priority, 0);
    assert.deepEqual(request.labels, { team: "a" });
    assert.equal(request.requestId, "r1");
    assert.equal(request.options?.cancelOnTaskFailure, true);
  });

  test("createInstance sends hold only when asked", async () => {
    const holds: boolean[] = [];
    server = await startFakeServer({
      createInstance(request) {
        holds.push(request.hold);
        return { instance: instance() };
      },
    });
    await server.client.createInstance({ tasks: [{ type: "echo" }], hold: true });
    await server.client.createInstance({ tasks: [{ type: "echo" }] });
    assert.deepEqual(holds, [true, false]);
  });

  test("a bare id is looked up in the client's project, a resource name as it is", async () => {
    const names: string[] = [];
    server = await startFakeServer({
      getInstance(request) {
        names.push(request.name);
        return { instance: instance({ name: request.name }) };
      },
    });
    await server.client.getInstance("abc");
    await server.client.getInstance("projects/other/instances/xyz");
    assert.deepEqual(names, ["projects/test/instances/abc", "projects/other/instances/xyz"]);
  });

  test("stop sends DIRECT by default, the message and the grace period", async () => {
    const seen: { reason: CancellationReason; message: string; graceMs: number | undefined }[] = [];
    server = await startFakeServer({
      stopInstance(request) {
        seen.push({
          reason: request.reason,
          message: request.message,
          graceMs: request.gracePeriod ? durationMs(request.gracePeriod) : undefined,
        });
        return { instance: instance() };
      },
    });
    await server.client.stop("i1", { message: "wrong input", gracePeriodMs: 2500 });
    await server.client.stop("i1", { reason: CancellationReason.TIMEOUT });
    assert.deepEqual(seen, [
      { reason: CancellationReason.DIRECT, message: "wrong input", graceMs: 2500 },
      { reason: CancellationReason.TIMEOUT, message: "", graceMs: undefined },
    ]);
  });
});

/** The first task of an instance that failed with a ValueError, and one cancelled after it. */
const FAILED_TASKS = [
  { name: "ok", status: TaskStatus.SUCCESS },
  {
    name: "fail",
    status: TaskStatus.FAILED,
    error: {
      type: "builtins.ValueError",
      message: "Task failure",
      traceback: "Traceback (most recent call last):\n  ...",
    },
  },
  { name: "later", status: TaskStatus.CANCELLED },
];

/** A terminated instance; unsuccessful with FAILED_TASKS unless `ok`. */
function terminated(ok: boolean, name = "projects/test/instances/i1") {
  const tasks = ok ? [{ name: "ok", status: TaskStatus.SUCCESS }] : FAILED_TASKS;
  return instance({ name, status: InstanceStatus.TERMINATED, successful: ok, tasks });
}

function checkFailed(error: unknown): true {
  assert.ok(error instanceof InstanceFailedError, String(error));
  assert.ok(error instanceof TaskstreamError);
  assert.equal(error.instance.name, "projects/test/instances/i1");
  assert.equal(error.taskName, "fail");
  assert.equal(error.task.name, "fail");
  assert.equal(error.taskStatus, TaskStatus.FAILED);
  assert.ok(error.error instanceof TaskError);
  assert.equal(error.cause, error.error);
  assert.equal(error.error.type, "builtins.ValueError");
  assert.equal(error.error.message, "Task failure");
  assert.match(error.message, /task fail ended FAILED: builtins\.ValueError: Task failure/);
  return true;
}

describe("wait", () => {
  test("one long poll with the timeout; WaitTimeoutError naming the instance when it passes", async () => {
    const timeouts: number[] = [];
    server = await startFakeServer({
      waitInstance(request) {
        timeouts.push(request.timeout ? durationMs(request.timeout) : 0);
        return { instance: instance({ name: request.name }), terminated: false };
      },
    });
    const error = await server.client.wait("i1", { timeoutMs: 250 }).then(
      () => assert.fail("the wait did not time out"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof WaitTimeoutError);
    assert.ok(error instanceof TaskstreamError);
    assert.equal(error.instanceName, "projects/test/instances/i1");
    assert.deepEqual(error.instanceNames, ["projects/test/instances/i1"]);
    assert.equal(error.instance?.status, InstanceStatus.RUNNING);
    assert.equal(error.timeoutMs, 250);
    assert.match(error.message, /instance projects\/test\/instances\/i1 did not terminate within 250 ms/);
    assert.equal(timeouts.length, 1);
    assert.ok(timeouts[0]! > 0 && timeouts[0]! <= 250, `timeout ${timeouts[0]}`);
  });

  test("without a timeout it polls again until the instance is terminated", async () => {
    let calls = 0;
    server = await startFakeServer({
      waitInstance(request) {
        calls += 1;
        assert.equal(request.timeout ? durationMs(request.timeout) : 0, 600_000);
        const status = calls === 3 ? InstanceStatus.TERMINATED : InstanceStatus.RUNNING;
        return { instance: instance({ status }), terminated: calls === 3 };
      },
    });
    const result = await server.client.wait("i1");
    assert.equal(result.status, InstanceStatus.TERMINATED);
    assert.equal(calls, 3);
  });

  test("a negative timeout is a RangeError, before any call", async () => {
    let calls = 0;
    server = await startFakeServer({
      waitInstance() {
        calls += 1;
        return { instance: instance(), terminated: false };
      },
    });
    await assert.rejects(server.client.wait("i1", { timeoutMs: -1 }), RangeError);
    assert.equal(calls, 0);
  });

  test("wait resolves with a failed instance; waitForSuccess rejects with InstanceFailedError", async () => {
    server = await startFakeServer({
      waitInstance() {
        return { instance: terminated(false), terminated: true };
      },
    });
    const completed = await server.client.wait("i1");
    assert.deepEqual([completed.status, completed.successful], [InstanceStatus.TERMINATED, false]);
    await assert.rejects(server.client.waitForSuccess("i1"), checkFailed);
  });

  test("waitForSuccess resolves with a successful instance", async () => {
    server = await startFakeServer({
      waitInstance() {
        return { instance: terminated(true), terminated: true };
      },
    });
    const done = await server.client.waitForSuccess("i1", { timeoutMs: 1000 });
    assert.equal(done.successful, true);
  });
});

describe("waitInstances", () => {
  test("sends the names, the mode and the timeout; resolves with every instance in order", async () => {
    const seen: { names: string[]; mode: WaitMode; timeoutMs: number }[] = [];
    server = await startFakeServer({
      waitInstances(request) {
        seen.push({
          names: request.names,
          mode: request.mode,
          timeoutMs: request.timeout ? durationMs(request.timeout) : 0,
        });
        const instances = request.names.map((name, i) =>
          i === 0 ? terminated(true, name) : instance({ name }),
        );
        return { instances, done: true };
      },
    });
    const any = await server.client.waitInstances(["a", "projects/other/instances/b"], {
      mode: "any",
      timeoutMs: 5000,
    });
    assert.deepEqual(
      any.map((i) => [i.name, i.status]),
      [
        ["projects/test/instances/a", InstanceStatus.TERMINATED],
        ["projects/other/instances/b", InstanceStatus.RUNNING],
      ],
    );
    await server.client.waitInstances(["a"]);
    assert.deepEqual(
      seen.map((s) => [s.names, s.mode]),
      [
        [["projects/test/instances/a", "projects/other/instances/b"], WaitMode.ANY],
        [["projects/test/instances/a"], WaitMode.ALL],
      ],
    );
    assert.ok(seen[0]!.timeoutMs > 0 && seen[0]!.timeoutMs <= 5000, `timeout ${seen[0]!.timeoutMs}`);
    assert.equal(seen[1]!.timeoutMs, 600_000);
  });

  test("the timeout passes first: WaitTimeoutError naming the instances still running", async () => {
    server = await startFakeServer({
      waitInstances(request) {
        const [first, ...rest] = request.names;
        const instances = [terminated(false, first), ...rest.map((name) => instance({ name }))];
        return { instances, done: false };
      },
    });
    await assert.rejects(server.client.waitInstances(["a", "b", "c"], { timeoutMs: 100 }), (e) => {
      assert.ok(e instanceof WaitTimeoutError);
      assert.deepEqual(e.instanceNames, ["projects/test/instances/b", "projects/test/instances/c"]);
      assert.equal(e.instanceName, "projects/test/instances/b");
      assert.equal(e.instance?.name, "projects/test/instances/b");
      assert.deepEqual(
        e.instances.map((i) => i.status),
        [InstanceStatus.TERMINATED, InstanceStatus.RUNNING, InstanceStatus.RUNNING],
      );
      return true;
    });
  });

  test("nothing to wait for resolves at once; a bad mode is a RangeError", async () => {
    let calls = 0;
    server = await startFakeServer({
      waitInstances() {
        calls += 1;
        return { instances: [], done: true };
      },
    });
    assert.deepEqual(await server.client.waitInstances([], { mode: "any" }), []);
    const bad = { mode: "some" } as unknown as { mode: "all" };
    await assert.rejects(server.client.waitInstances(["a"], bad), RangeError);
    assert.equal(calls, 0);
  });
});

describe("execute", () => {
  test("a server that waits answers in one call: no WaitInstance", async () => {
    const waits: number[] = [];
    const calls: string[] = [];
    server = await startFakeServer({
      createInstance(request) {
        calls.push("create");
        waits.push(request.waitTimeout ? durationMs(request.waitTimeout) : 0);
        return { instance: terminated(true), terminated: true };
      },
      waitInstance() {
        calls.push("wait");
        return { instance: instance(), terminated: false };
      },
    });
    const result = await server.client.execute({ tasks: [{ type: "echo" }] }, { timeoutMs: 5000 });
    assert.deepEqual([result.status, result.successful], [InstanceStatus.TERMINATED, true]);
    assert.deepEqual(calls, ["create"]);
    assert.ok(waits[0]! > 0 && waits[0]! <= 5000, `wait_timeout ${waits[0]}`);
  });

  test("an instance that ends unsuccessfully within the create is an InstanceFailedError", async () => {
    server = await startFakeServer({
      createInstance() {
        return { instance: terminated(false), terminated: true };
      },
    });
    await assert.rejects(server.client.execute({ tasks: [{ type: "fail" }] }), checkFailed);
  });

  test("an instance that ends unsuccessfully after the create is an InstanceFailedError too", async () => {
    server = await startFakeServer({
      createInstance() {
        return { instance: instance(), terminated: false };
      },
      waitInstance() {
        return { instance: terminated(false), terminated: true };
      },
    });
    await assert.rejects(server.client.execute({ tasks: [{ type: "fail" }] }), checkFailed);
  });

  test("a cancelled task fails the execute with no error of its own", async () => {
    server = await startFakeServer({
      createInstance() {
        const tasks = [{ name: "t", status: TaskStatus.CANCELLED }];
        const stopped = instance({ status: InstanceStatus.TERMINATED, successful: false, tasks });
        return { instance: stopped, terminated: true };
      },
    });
    await assert.rejects(server.client.execute({ tasks: [{ type: "t" }] }), (e) => {
      assert.ok(e instanceof InstanceFailedError);
      assert.equal(e.taskStatus, TaskStatus.CANCELLED);
      assert.equal(e.error, undefined);
      assert.equal(e.cause, undefined);
      return true;
    });
  });

  test("a server that ignores wait_timeout: WaitInstance long polls until the instance is terminated", async () => {
    const calls: string[] = [];
    const waits: number[] = [];
    server = await startFakeServer({
      createInstance(request) {
        calls.push("create");
        waits.push(request.waitTimeout ? durationMs(request.waitTimeout) : 0);
        return { instance: instance({ name: "projects/test/instances/new" }), terminated: false };
      },
      waitInstance(request) {
        calls.push(`wait ${request.name}`);
        waits.push(request.timeout ? durationMs(request.timeout) : 0);
        const done = calls.length === 3;
        return done
          ? { instance: terminated(true, request.name), terminated: true }
          : { instance: instance({ name: request.name }), terminated: false };
      },
    });
    const result = await server.client.execute({ tasks: [{ type: "echo" }] });
    assert.deepEqual([result.status, result.successful], [InstanceStatus.TERMINATED, true]);
    const wait = "wait projects/test/instances/new";
    assert.deepEqual(calls, ["create", wait, wait]);
    // Without a timeout: the create waits 60 s, then the long polls wait as long as wait's do.
    assert.deepEqual(waits, [60_000, 600_000, 600_000]);
  });

  test("the timeout passes first: WaitTimeoutError carrying the running instance", async () => {
    const waits: number[] = [];
    server = await startFakeServer({
      createInstance() {
        return { instance: instance(), terminated: false };
      },
      waitInstance(request) {
        waits.push(request.timeout ? durationMs(request.timeout) : 0);
        return { instance: instance({ status: InstanceStatus.RUNNING }), terminated: false };
      },
    });
    const executing = server.client.execute({ tasks: [{ type: "echo" }] }, { timeoutMs: 250 });
    await assert.rejects(executing, (e) => {
      assert.ok(e instanceof WaitTimeoutError);
      assert.equal(e.instanceName, "projects/test/instances/i1");
      assert.equal(e.instance?.status, InstanceStatus.RUNNING);
      assert.equal(e.timeoutMs, 250);
      return true;
    });
    assert.equal(waits.length, 1);
    assert.ok(waits[0]! > 0 && waits[0]! <= 250, `timeout ${waits[0]}`);
  });

  test("a spent timeout rejects with the create's instance, without a WaitInstance", async () => {
    const calls: string[] = [];
    server = await startFakeServer({
      createInstance(request) {
        calls.push(`create ${request.waitTimeout ? durationMs(request.waitTimeout) : 0}`);
        return { instance: instance(), terminated: false };
      },
      waitInstance() {
        calls.push("wait");
        return { instance: instance(), terminated: false };
      },
    });
    const executing = server.client.execute({ tasks: [{ type: "echo" }] }, { timeoutMs: 0 });
    await assert.rejects(executing, (e) => e instanceof WaitTimeoutError && e.instance?.id === "i1");
    assert.deepEqual(calls, ["create 1"]);
  });

  test("a failed create is thrown and not retried", async () => {
    let creates = 0;
    server = await startFakeServer({
      createInstance() {
        creates += 1;
        throw new ConnectError("server restarting", Code.Unavailable);
      },
    });
    await assert.rejects(server.client.execute({ tasks: [{ type: "echo" }] }), UnavailableError);
    assert.equal(creates, 1);
  });

  test("an aborted execute is an ApiError with code CANCELLED", async () => {
    server = await startFakeServer({
      async createInstance(_request, context) {
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
        return { instance: instance(), terminated: false };
      },
    });
    const controller = new AbortController();
    const executing = server.client.execute({ tasks: [{ type: "echo" }] }, { signal: controller.signal });
    setImmediate(() => controller.abort());
    await assert.rejects(executing, (e) => e instanceof ApiError && e.codeName === "CANCELLED");
  });
});

describe("result", () => {
  test("decodes JSON, output as UTF-8 and typed properties", async () => {
    server = await startFakeServer({
      getTaskResult(request) {
        assert.equal(request.instance, "projects/test/instances/i1");
        assert.equal(request.task, "t");
        return create(GetTaskResultResponseSchema, {
          task: {
            name: "t",
            status: TaskStatus.FAILED,
            properties: {
              n: { kind: { case: "intValue", value: 100n } },
              s: { kind: { case: "stringValue", value: "one hundred" } },
              r: { kind: { case: "doubleValue", value: 0.5 } },
              b: { kind: { case: "bytesValue", value: new Uint8Array([0, 1]) } },
            },
            error: { type: "builtins.ValueError", message: "boom", traceback: "Traceback ..." },
          },
          result: { kind: { case: "json", value: '{"a": [1, 2]}' } },
          stdout: encoder.encode("héllo\n"),
          stderr: encoder.encode("Traceback ...\n"),
        });
      },
    });
    const result = await server.client.result("i1", "t");
    assert.equal(result.status, TaskStatus.FAILED);
    assert.equal(result.valueKind, "json");
    assert.deepEqual(result.value, { a: [1, 2] });
    assert.equal(result.stdout, "héllo\n");
    assert.equal(result.stderr, "Traceback ...\n");
    assert.deepEqual(result.properties, { n: 100, s: "one hundred", r: 0.5, b: new Uint8Array([0, 1]) });
    assert.ok(result.error instanceof TaskError);
    assert.ok(result.error instanceof Error);
    assert.ok(!(result.error instanceof TaskstreamError), "a task's error is not an error of the client");
    assert.equal(result.error.name, "TaskError");
    assert.equal(result.error.type, "builtins.ValueError");
    assert.equal(result.error.message, "boom");
    assert.equal(result.error.traceback, "Traceback ...");
    assert.equal(result.error.stack, "TaskError: builtins.ValueError: boom\nTraceback ...");
    assert.equal(result.cancellation, undefined);
  });

  test("integer properties are numbers when safe, bigints beyond Number.MAX_SAFE_INTEGER", async () => {
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    const ints = { safe: max, negative: -max, above: max + 1n, below: -max - 1n };
    server = await startFakeServer({
      getTaskResult() {
        const properties = Object.fromEntries(
          Object.entries(ints).map(([key, value]) => [key, { kind: { case: "intValue" as const, value } }]),
        );
        return create(GetTaskResultResponseSchema, { task: { name: "t", properties } });
      },
    });
    const { properties } = await server.client.result("i1");
    assert.deepEqual(properties, {
      safe: Number.MAX_SAFE_INTEGER,
      negative: -Number.MAX_SAFE_INTEGER,
      above: max + 1n,
      below: -max - 1n,
    });
    const { safe, negative } = properties;
    assert.equal(JSON.stringify({ safe, negative }), `{"safe":${max},"negative":${-max}}`);
  });

  test("text, bytes, Python objects and nothing", async () => {
    const results = [
      { kind: { case: "text" as const, value: "a,b\n1,2\n" } },
      { kind: { case: "binary" as const, value: { data: new Uint8Array([7]), contentType: "image/png" } } },
      { kind: { case: "python" as const, value: { repr: "Point(1, 2)", typeName: "m.Point" } } },
      undefined,
    ];
    let call = 0;
    server = await startFakeServer({
      getTaskResult() {
        const result = results[call++];
        return create(GetTaskResultResponseSchema, { task: { name: "t" }, ...(result ? { result } : {}) });
      },
    });
    const decoded = [];
    for (let i = 0; i < results.length; i++) {
      const { value, valueKind } = await server.client.result("i1");
      decoded.push([valueKind, value]);
    }
    assert.deepEqual(decoded, [
      ["text", "a,b\n1,2\n"],
      ["binary", new Uint8Array([7])],
      ["python", "Point(1, 2)"],
      ["none", undefined],
    ]);
  });
});

describe("errors", () => {
  test("NOT_FOUND with ResourceInfo becomes a NotFoundError", async () => {
    server = await startFakeServer({
      getInstance(request) {
        throw new ConnectError(`instance '${request.name}' not found`, Code.NotFound, undefined, [
          {
            desc: ResourceInfoSchema,
            value: { resourceType: "instance", resourceName: request.name, description: "not found" },
          },
        ]);
      },
    });
    const error = await server.client.getInstance("nope").then(
      () => assert.fail("no error"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof NotFoundError);
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, Code.NotFound);
    assert.equal(error.codeName, "NOT_FOUND");
    assert.equal(error.resourceType, "instance");
    assert.equal(error.resourceName, "projects/test/instances/nope");
    assert.equal(error.rawMessage, "instance 'projects/test/instances/nope' not found");
    assert.equal(error.message, "NOT_FOUND: instance 'projects/test/instances/nope' not found");
    assert.ok(error.cause instanceof ConnectError);
  });

  test("INVALID_ARGUMENT with BadRequest carries every field violation", async () => {
    server = await startFakeServer({
      createInstance() {
        throw new ConnectError("bad spec", Code.InvalidArgument, undefined, [
          {
            desc: BadRequestSchema,
            value: {
              fieldViolations: [
                { field: "tasks[0].type", description: "unknown task type 'nope'" },
                { field: "priority", description: "must be from 0 to 9" },
              ],
            },
          },
        ]);
      },
    });
    await assert.rejects(server.client.createInstance({ tasks: [{ type: "nope" }], priority: 12 }), (e) => {
      assert.ok(e instanceof InvalidArgumentError);
      assert.deepEqual(e.fieldViolations, [
        { field: "tasks[0].type", description: "unknown task type 'nope'" },
        { field: "priority", description: "must be from 0 to 9" },
      ]);
      return true;
    });
  });

  test("FAILED_PRECONDITION keeps ErrorInfo's reason and metadata", async () => {
    server = await startFakeServer({
      stopInstance() {
        throw new ConnectError("already terminated", Code.FailedPrecondition, undefined, [
          {
            desc: ErrorInfoSchema,
            value: { reason: "INSTANCE_TERMINATED", domain: "taskstream.dev", metadata: { k: "v" } },
          },
        ]);
      },
    });
    await assert.rejects(server.client.stop("i1"), (e) => {
      assert.ok(e instanceof FailedPreconditionError);
      assert.equal(e.reason, "INSTANCE_TERMINATED");
      assert.deepEqual(e.errorMetadata, { k: "v" });
      return true;
    });
  });

  test("an unreachable server is an UnavailableError", async () => {
    server = await startFakeServer({});
    const address = server.address;
    await server.close();
    const { connect } = await import("../src/index.js");
    const client = connect(address);
    try {
      await assert.rejects(client.getInstance("i1"), UnavailableError);
    } finally {
      client.close();
    }
    server = undefined;
  });

  test("an aborted call is an ApiError with code CANCELLED", async () => {
    server = await startFakeServer({
      async waitInstance(_request, context) {
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
        return { instance: instance(), terminated: false };
      },
    });
    const controller = new AbortController();
    const waiting = server.client.wait("i1", { signal: controller.signal });
    setImmediate(() => controller.abort());
    await assert.rejects(waiting, (e) => e instanceof ApiError && e.codeName === "CANCELLED");
  });
});
