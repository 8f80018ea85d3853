/**
 * The shared conformance scenario (tests/conformance/scenario.json), run through the TypeScript client
 * against a live server this test starts. Each action is implemented once here; each case is one test.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { DescEnum } from "@bufbuild/protobuf";
import {
  ApiError,
  CancellationReason,
  connect,
  type Client,
  type Instance,
  type TaskResult,
  type WatchEvent,
} from "../src/index.js";
import { InstanceStatusSchema } from "../src/gen/taskstream/v1/instance_pb.js";
import { CancellationReasonSchema, TaskStatusSchema } from "../src/gen/taskstream/v1/task_pb.js";
import { repositoryRoot, startLiveServer, type LiveServer } from "./support/live-server.js";

interface Case {
  readonly name: string;
  readonly action: string;
  readonly task?: {
    readonly type: string;
    readonly parameters: Record<string, unknown>;
    readonly hold?: boolean;
  };
  readonly stop?: { readonly reason: string; readonly message: string };
  readonly instance?: string;
  readonly timeout_seconds?: number;
  readonly resume_after?: string;
  readonly expect: Record<string, unknown>;
}

interface Scenario {
  readonly project: string;
  readonly cases: readonly Case[];
}

const SCENARIO = JSON.parse(
  readFileSync(join(repositoryRoot(), "tests", "conformance", "scenario.json"), "utf8"),
) as Scenario;

const CASE_TIMEOUT_MS = 60_000;

/** The proto name of an enum value, such as "TASK_STATUS_SUCCESS". */
function enumName(schema: DescEnum, value: number): string {
  return schema.value[value]?.name ?? String(value);
}

/** The number of an enum value given by its proto name. */
function enumValue(schema: DescEnum, name: string): number {
  const value = schema.values.find((v) => v.name === name);
  assert.ok(value, `${name} is not a value of ${schema.typeName}`);
  return value.number;
}

function kindOf(event: WatchEvent): "snapshot" | "event" {
  return event.type === "snapshot" ? "snapshot" : "event";
}

async function collect(events: AsyncIterable<WatchEvent>): Promise<WatchEvent[]> {
  const seen: WatchEvent[] = [];
  for await (const event of events) {
    seen.push(event);
  }
  return seen;
}

function finalSnapshot(events: readonly WatchEvent[]): Instance {
  const last = events.at(-1);
  assert.ok(last?.type === "snapshot", `the last message is ${last?.type}, not a snapshot`);
  return last.instance;
}

async function start(client: Client, c: Case): Promise<Instance> {
  assert.ok(c.task, `case ${c.name} names no task`);
  return client.createInstance({
    tasks: [{ type: c.task.type, parameters: c.task.parameters }],
    hold: c.task.hold ?? false,
  });
}

/** Watches the instance to its end; a held one (the task has hold) is resumed after the first message. */
async function watchToEnd(client: Client, c: Case, instance: Instance): Promise<WatchEvent[]> {
  const seen: WatchEvent[] = [];
  for await (const event of client.watch(instance.name)) {
    seen.push(event);
    if (seen.length === 1 && c.task?.hold) {
      await client.service.resumeInstance({ name: instance.name });
    }
  }
  return seen;
}

function checkResult(result: TaskResult, expect: Record<string, unknown>): void {
  if ("task_status" in expect) {
    assert.equal(enumName(TaskStatusSchema, result.status), expect["task_status"]);
  }
  if ("result_json" in expect) {
    assert.deepEqual(result.value, expect["result_json"]);
  }
  for (const text of (expect["stdout_contains"] ?? []) as string[]) {
    assert.ok(result.stdout.includes(text), `stdout lacks ${JSON.stringify(text)}:\n${result.stdout}`);
  }
  for (const text of (expect["stderr_contains"] ?? []) as string[]) {
    assert.ok(result.stderr.includes(text), `stderr lacks ${JSON.stringify(text)}:\n${result.stderr}`);
  }
  if ("error_type_ends_with" in expect) {
    assert.ok(
      result.error?.type.endsWith(expect["error_type_ends_with"] as string),
      `error ${result.error?.type}`,
    );
  }
  if ("error_message" in expect) {
    assert.equal(result.error?.message, expect["error_message"]);
  }
  const properties = (expect["properties"] ?? {}) as Record<string, Record<string, unknown>>;
  for (const [key, expected] of Object.entries(properties)) {
    const [[kind, value]] = Object.entries(expected) as [[string, unknown]];
    const actual = result.task.properties[key]?.kind;
    const want: Record<string, () => [string, unknown]> = {
      int_value: () => ["intValue", BigInt(value as number)],
      string_value: () => ["stringValue", value],
      double_value: () => ["doubleValue", value],
      bytes_value_base64: () => ["bytesValue", new Uint8Array(Buffer.from(value as string, "base64"))],
    };
    assert.ok(want[kind], `unknown property kind ${kind}`);
    assert.deepEqual([actual?.case, actual?.value], want[kind](), `property ${key}`);
  }
  if ("cancellation_reason" in expect) {
    assert.equal(
      enumName(CancellationReasonSchema, result.cancellation?.reason ?? 0),
      expect["cancellation_reason"],
    );
  }
  if ("cancellation_message" in expect) {
    assert.equal(result.cancellation?.message, expect["cancellation_message"]);
  }
}

const ACTIONS: Record<string, (client: Client, c: Case) => Promise<void>> = {
  async watch_to_end(client, c) {
    const { expect } = c;
    const instance = await start(client, c);
    const events = await watchToEnd(client, c, instance);
    assert.equal(kindOf(events[0]!), expect["first_message"]);
    assert.equal(kindOf(events.at(-1)!), expect["last_message"]);
    const first = events[0]!;
    assert.ok(first.type === "snapshot");
    assert.equal(enumName(InstanceStatusSchema, first.instance.status), expect["snapshot_status"]);
    const final = finalSnapshot(events);
    assert.equal(enumName(InstanceStatusSchema, final.status), expect["instance_status"]);
    assert.equal(final.successful, expect["successful"]);
    const task = final.tasks[0];
    assert.ok(task);
    assert.equal(enumName(TaskStatusSchema, task.status), expect["task_status"]);
    const changes = events.flatMap((e) =>
      e.type === "taskStatusChanged" ? [enumName(TaskStatusSchema, e.status)] : [],
    );
    const tail = expect["task_status_changes_end_with"] as string[];
    assert.deepEqual(changes.slice(-tail.length), tail);
    const progress = events.flatMap((e) => (e.type === "taskProgressUpdated" ? [e.progress] : []));
    assert.ok(
      progress.length >= (expect["min_progress_events"] as number),
      `${progress.length} progress events`,
    );
    for (const latest of [task.progress, progress.at(-1)]) {
      assert.equal(latest?.percent, expect["progress_percent"]);
      assert.equal(latest?.message, expect["progress_message"]);
      assert.deepEqual(
        latest?.stages.map((s) => s.name),
        expect["stage_names"],
      );
    }
    checkResult(await client.result(instance.name), expect);
  },

  async run_and_read_result(client, c) {
    const instance = await start(client, c);
    const waited = await client.wait(instance.name, { timeoutMs: CASE_TIMEOUT_MS });
    assert.ok(waited.terminated, "the instance did not terminate in time");
    if ("successful" in c.expect) {
      assert.equal(waited.instance.successful, c.expect["successful"]);
    }
    checkResult(await client.result(instance.name), c.expect);
  },

  async stop_when_running(client, c) {
    assert.ok(c.stop);
    const instance = await start(client, c);
    const events = client.watch(instance.name)[Symbol.asyncIterator]();
    const seen: WatchEvent[] = [];
    const running = (e: WatchEvent): boolean =>
      (e.type === "taskStatusChanged" && enumName(TaskStatusSchema, e.status) === "TASK_STATUS_RUNNING") ||
      (e.type === "snapshot" &&
        e.instance.tasks.some((t) => enumName(TaskStatusSchema, t.status) === "TASK_STATUS_RUNNING"));
    for (;;) {
      const next = await events.next();
      assert.ok(!next.done, "the watch ended before the task ran");
      seen.push(next.value);
      if (running(next.value)) {
        break;
      }
    }
    await client.stop(instance.name, {
      reason: enumValue(CancellationReasonSchema, c.stop.reason) as CancellationReason,
      message: c.stop.message,
    });
    for (let next = await events.next(); !next.done; next = await events.next()) {
      seen.push(next.value);
    }
    const final = finalSnapshot(seen);
    assert.equal(enumName(InstanceStatusSchema, final.status), c.expect["instance_status"]);
    checkResult(await client.result(instance.name), c.expect);
  },

  async resume_watch(client, c) {
    const { expect } = c;
    assert.equal(c.resume_after, "first_event");
    const instance = await start(client, c);
    const firstPass = await watchToEnd(client, c, instance);
    const cursor = firstPass.find((e) => kindOf(e) === "event")?.seq;
    assert.ok(cursor !== undefined, "the first pass saw no event");
    const resumed = await collect(client.watch(instance.name, { afterSeq: cursor }));
    assert.equal(kindOf(resumed[0]!), expect["first_message"]);
    assert.equal(kindOf(resumed.at(-1)!), expect["last_message"]);
    const seqs = resumed.filter((e) => kindOf(e) === "event").map((e) => e.seq);
    assert.equal(
      seqs.every((seq) => seq > cursor),
      expect["all_seqs_after_cursor"],
    );
    assert.equal(
      seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!),
      expect["seqs_strictly_increasing"],
    );
    assert.equal(enumName(InstanceStatusSchema, finalSnapshot(resumed).status), expect["instance_status"]);
  },

  async wait_with_timeout(client, c) {
    assert.ok(c.timeout_seconds !== undefined);
    const instance = await start(client, c);
    const early = await client.wait(instance.name, { timeoutMs: c.timeout_seconds * 1000 });
    assert.equal(early.terminated, c.expect["terminated"]);
    await client.stop(instance.name);
    const late = await client.wait(instance.name);
    assert.equal(late.terminated, c.expect["after_stop_terminated"]);
  },

  async execute(client, c) {
    assert.ok(c.task && c.timeout_seconds !== undefined);
    const { expect } = c;
    const executed = await client.execute(
      { tasks: [{ type: c.task.type, parameters: c.task.parameters }] },
      { timeoutMs: c.timeout_seconds * 1000 },
    );
    const { instance } = executed;
    assert.equal(executed.terminated, !expect["timed_out"]);
    assert.equal(enumName(InstanceStatusSchema, instance.status), expect["instance_status"]);
    if (!expect["timed_out"]) {
      assert.equal(instance.successful, expect["successful"]);
      checkResult(await client.result(instance.name), expect);
      return;
    }
    await client.stop(instance.name);
    const late = await client.wait(instance.name);
    assert.equal(late.terminated, expect["after_stop_terminated"]);
  },

  async not_found(client, c) {
    assert.ok(c.instance);
    const name = c.instance;
    const calls: Record<string, () => Promise<unknown>> = {
      get: () => client.getInstance(name),
      watch: () => collect(client.watch(name)),
      wait: () => client.wait(name, { timeoutMs: 1000 }),
    };
    assert.deepEqual(Object.keys(c.expect).sort(), Object.keys(calls).sort());
    for (const [call, expected] of Object.entries(c.expect)) {
      await assert.rejects(calls[call]!(), (e) => e instanceof ApiError && e.codeName === expected, call);
    }
  },
};

describe("conformance", () => {
  let server: LiveServer | undefined;
  let client: Client | undefined;

  before(
    async () => {
      server = await startLiveServer();
      client = connect(server.address, { project: SCENARIO.project, user: "conformance-ts" });
    },
    { timeout: CASE_TIMEOUT_MS },
  );

  after(
    async () => {
      client?.close();
      await server?.stop();
    },
    { timeout: CASE_TIMEOUT_MS },
  );

  for (const c of SCENARIO.cases) {
    test(c.name, { timeout: CASE_TIMEOUT_MS }, async () => {
      const action = ACTIONS[c.action];
      assert.ok(action, `no implementation of action ${c.action}`);
      assert.ok(client, "the server did not start");
      await action(client, c);
    });
  }
});
