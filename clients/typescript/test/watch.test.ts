/**
 * Client.watch against a scripted server: the events it yields, and how it resumes after a dropped
 * stream, a stream closed early and a WatchEnd, without losing or repeating an event.
 */

import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ApiError,
  InstanceStatus,
  NotFoundError,
  TaskStatus,
  UnavailableError,
  type WatchEvent,
} from "../src/index.js";
import { InstanceEventSchema } from "../src/gen/taskstream/v1/event_pb.js";
import {
  WatchEndReason,
  WatchInstanceResponseSchema,
  type WatchInstanceResponse,
} from "../src/gen/taskstream/v1/instance_service_pb.js";
import { OutputStream } from "../src/gen/taskstream/v1/task_pb.js";
import { instance, startFakeServer, type FakeServer } from "./support/fake-server.js";

let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const FAST = { attempts: 3, firstDelayMs: 1, maxDelayMs: 2 };

function snapshot(seq: bigint, status = InstanceStatus.RUNNING): WatchInstanceResponse {
  return create(WatchInstanceResponseSchema, {
    kind: { case: "snapshot", value: instance({ seq, status }) },
  });
}

function event(
  seq: bigint,
  change: MessageInitShape<typeof InstanceEventSchema>["change"],
): WatchInstanceResponse {
  const value = create(InstanceEventSchema, { seq, time: { seconds: 1n }, ...(change ? { change } : {}) });
  return create(WatchInstanceResponseSchema, { kind: { case: "event", value } });
}

function taskStatus(seq: bigint, previous: TaskStatus, status: TaskStatus): WatchInstanceResponse {
  return event(seq, {
    case: "taskStatusChanged",
    value: { previousStatus: previous, task: { name: "t", status } },
  });
}

function progress(seq: bigint, percent: number): WatchInstanceResponse {
  return event(seq, { case: "taskProgressUpdated", value: { task: "t", progress: { percent } } });
}

function heartbeat(seq: bigint): WatchInstanceResponse {
  return create(WatchInstanceResponseSchema, { kind: { case: "heartbeat", value: { seq } } });
}

function end(reason: WatchEndReason, seq: bigint): WatchInstanceResponse {
  return create(WatchInstanceResponseSchema, {
    kind: { case: "end", value: { reason, resumeAfterSeq: seq, message: "bye" } },
  });
}

/** A watch whose n-th call (from 0) replays script[n]: its messages, then its ending. */
interface Try {
  readonly messages: WatchInstanceResponse[];
  readonly then?: ConnectError | "close";
}

async function scripted(tries: Try[]): Promise<{ cursors: bigint[]; server: FakeServer }> {
  const cursors: bigint[] = [];
  const started = await startFakeServer({
    async *watchInstance(request) {
      const script = tries[cursors.length];
      cursors.push(request.afterSeq);
      assert.ok(script, `unexpected watch #${cursors.length}`);
      for (const message of script.messages) {
        yield message;
      }
      if (script.then instanceof ConnectError) {
        throw script.then;
      }
    },
  });
  return { cursors, server: started };
}

async function collect(events: AsyncIterable<WatchEvent>): Promise<WatchEvent[]> {
  const seen: WatchEvent[] = [];
  for await (const e of events) {
    seen.push(e);
  }
  return seen;
}

function summary(events: WatchEvent[]): string[] {
  return events.map((e) => `${e.type}@${e.seq}`);
}

test("yields the snapshot, each change as a typed event, and ends after the terminal snapshot", async () => {
  const run = await scripted([
    {
      messages: [
        snapshot(1n),
        taskStatus(2n, TaskStatus.WAITING, TaskStatus.RUNNING),
        heartbeat(2n),
        progress(3n, 40),
        event(4n, {
          case: "taskPropertyUpdated",
          value: { task: "t", key: "n", value: { kind: { case: "intValue", value: 7n } } },
        }),
        event(5n, {
          case: "taskOutputAppended",
          value: {
            task: "t",
            stream: OutputStream.STDOUT,
            offset: 0n,
            data: new Uint8Array([104, 105]),
            attempt: 1,
          },
        }),
        taskStatus(6n, TaskStatus.RUNNING, TaskStatus.SUCCESS),
        event(7n, {
          case: "instanceStatusChanged",
          value: {
            previousStatus: InstanceStatus.RUNNING,
            status: InstanceStatus.TERMINATED,
            successful: true,
          },
        }),
        snapshot(7n, InstanceStatus.TERMINATED),
      ],
    },
  ]);
  server = run.server;
  const events = await collect(server.client.watch("i1"));
  assert.deepEqual(summary(events), [
    "snapshot@1",
    "taskStatusChanged@2",
    "taskProgressUpdated@3",
    "taskPropertyUpdated@4",
    "taskOutputAppended@5",
    "taskStatusChanged@6",
    "instanceStatusChanged@7",
    "snapshot@7",
  ]);
  const [first, running, percent, property, output, , terminated] = events;
  assert.equal(first?.type === "snapshot" && first.instance.name, "projects/test/instances/i1");
  assert.ok(running?.type === "taskStatusChanged");
  assert.equal(running.taskName, "t");
  assert.equal(running.previousStatus, TaskStatus.WAITING);
  assert.equal(running.status, TaskStatus.RUNNING);
  assert.deepEqual(running.time, new Date(1000));
  assert.ok(percent?.type === "taskProgressUpdated" && percent.progress.percent === 40);
  assert.ok(property?.type === "taskPropertyUpdated" && property.key === "n" && property.value === 7);
  assert.ok(output?.type === "taskOutputAppended");
  assert.deepEqual(
    [output.stream, output.offset, output.data, output.attempt],
    [OutputStream.STDOUT, 0, new Uint8Array([104, 105]), 1],
  );
  assert.ok(terminated?.type === "instanceStatusChanged" && terminated.successful);
  assert.deepEqual(run.cursors, [0n]);
});

test("a dropped stream resumes after the last seq seen, skipping what was already yielded", async () => {
  const run = await scripted([
    {
      messages: [snapshot(1n), taskStatus(2n, TaskStatus.WAITING, TaskStatus.RUNNING)],
      then: new ConnectError("reset", Code.Unavailable),
    },
    // The server replays seq 2 (it may); the watch must not yield it twice.
    {
      messages: [taskStatus(2n, TaskStatus.WAITING, TaskStatus.RUNNING), progress(3n, 50)],
      then: new ConnectError("RST_STREAM", Code.Internal),
    },
    {
      messages: [
        taskStatus(4n, TaskStatus.RUNNING, TaskStatus.SUCCESS),
        snapshot(4n, InstanceStatus.TERMINATED),
      ],
    },
  ]);
  server = run.server;
  const events = await collect(server.client.watch("i1", { retry: FAST }));
  assert.deepEqual(summary(events), [
    "snapshot@1",
    "taskStatusChanged@2",
    "taskProgressUpdated@3",
    "taskStatusChanged@4",
    "snapshot@4",
  ]);
  assert.deepEqual(run.cursors, [0n, 2n, 3n]);
});

test("a stream closed before the terminal snapshot, or ended by a draining server, is resumed", async () => {
  const run = await scripted([
    { messages: [snapshot(1n)], then: "close" },
    { messages: [progress(2n, 10), end(WatchEndReason.SERVER_DRAINING, 2n)] },
    { messages: [snapshot(3n, InstanceStatus.TERMINATED)] },
  ]);
  server = run.server;
  const events = await collect(server.client.watch("i1", { retry: FAST }));
  assert.deepEqual(summary(events), ["snapshot@1", "taskProgressUpdated@2", "snapshot@3"]);
  assert.deepEqual(run.cursors, [0n, 1n, 2n]);
});

for (const how of ["socket", "session"] as const) {
  test(`a broken connection (${how}) is resumed on a new one`, async () => {
    const cursors: bigint[] = [];
    const started = await startFakeServer({
      async *watchInstance(request) {
        cursors.push(request.afterSeq);
        if (cursors.length === 1) {
          yield snapshot(1n);
          yield progress(2n, 10);
          await new Promise((resolve) => setTimeout(resolve, 20)); // let the client read them first
          started.dropConnections(how);
          await new Promise(() => {}); // the cut ends this call
        }
        yield progress(3n, 20);
        yield snapshot(3n, InstanceStatus.TERMINATED);
      },
    });
    server = started;
    const events = await collect(server.client.watch("i1", { retry: FAST }));
    assert.deepEqual(summary(events), [
      "snapshot@1",
      "taskProgressUpdated@2",
      "taskProgressUpdated@3",
      "snapshot@3",
    ]);
    assert.deepEqual(cursors, [0n, 2n]);
  });
}

test("afterSeq starts without a snapshot from the cursor", async () => {
  const run = await scripted([{ messages: [progress(6n, 10), snapshot(6n, InstanceStatus.TERMINATED)] }]);
  server = run.server;
  const events = await collect(server.client.watch("i1", { afterSeq: 5n }));
  assert.deepEqual(summary(events), ["taskProgressUpdated@6", "snapshot@6"]);
  assert.deepEqual(run.cursors, [5n]);
});

test("gives up after the policy's tries in a row and throws the last error", async () => {
  const drop = { messages: [], then: new ConnectError("down", Code.Unavailable) };
  const run = await scripted([drop, drop, drop]);
  server = run.server;
  await assert.rejects(collect(server.client.watch("i1", { retry: FAST })), UnavailableError);
  assert.equal(run.cursors.length, 3);
});

test("anything received resets the count of failures in a row", async () => {
  const drop = { messages: [heartbeat(0n)], then: new ConnectError("down", Code.Unavailable) };
  const run = await scripted([
    drop,
    drop,
    drop,
    drop,
    { messages: [snapshot(1n, InstanceStatus.TERMINATED)] },
  ]);
  server = run.server;
  const events = await collect(server.client.watch("i1", { retry: FAST }));
  assert.deepEqual(summary(events), ["snapshot@1"]);
  assert.equal(run.cursors.length, 5);
});

test("NOT_FOUND is not retried, and a deleted instance ends the watch with NotFoundError", async () => {
  let run = await scripted([{ messages: [], then: new ConnectError("no such instance", Code.NotFound) }]);
  server = run.server;
  await assert.rejects(collect(server.client.watch("i1", { retry: FAST })), NotFoundError);
  assert.equal(run.cursors.length, 1);
  await server.close();

  run = await scripted([{ messages: [snapshot(1n), end(WatchEndReason.INSTANCE_DELETED, 1n)] }]);
  server = run.server;
  await assert.rejects(collect(server.client.watch("i1", { retry: FAST })), (e) => {
    assert.ok(e instanceof NotFoundError);
    assert.match(e.message, /was deleted: bye/);
    return true;
  });
});

test("leaving the loop early cancels the call on the server", async () => {
  let cancelled: Promise<void> | undefined;
  server = await startFakeServer({
    async *watchInstance(_request, context) {
      cancelled = new Promise((resolve) => context.signal.addEventListener("abort", () => resolve()));
      yield snapshot(1n);
      await cancelled;
    },
  });
  for await (const e of server.client.watch("i1")) {
    assert.equal(e.type, "snapshot");
    break;
  }
  assert.ok(cancelled);
  await cancelled;
});

test("an abort signal ends the watch with CANCELLED instead of resuming", async () => {
  const { client } = (server = await startFakeServer({
    async *watchInstance(_request, context) {
      yield snapshot(1n);
      await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
    },
  }));
  const controller = new AbortController();
  await assert.rejects(
    (async () => {
      for await (const e of client.watch("i1", { signal: controller.signal })) {
        assert.equal(e.type, "snapshot");
        controller.abort();
      }
    })(),
    (e) => e instanceof ApiError && e.codeName === "CANCELLED",
  );
});
