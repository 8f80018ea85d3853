/**
 * The shared conformance scenario (tests/conformance/scenario.json), run through the TypeScript client
 * against a live server this test starts. Each action is implemented once here; each case is one test.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { DescEnum } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  AlreadyExistsError,
  ApiError,
  CancellationReason,
  connect,
  FailedPreconditionError,
  InstanceFailedError,
  InstanceStatus,
  InvalidArgumentError,
  WaitTimeoutError,
  type Client,
  type Instance,
  type OutputStream,
  type ProjectSnapshot,
  type TaskInit,
  type TaskResult,
  type WatchEvent,
} from "../src/index.js";
import { InstanceStatusSchema } from "../src/gen/taskstream/v1/instance_pb.js";
import { ColumnTypeSchema } from "../src/gen/taskstream/v1/instance_service_pb.js";
import { OverlapPolicySchema } from "../src/gen/taskstream/v1/schedule_pb.js";
import {
  CancellationReasonSchema,
  OutputStreamSchema,
  TaskStatusSchema,
  WaitingReasonSchema,
} from "../src/gen/taskstream/v1/task_pb.js";
import { repositoryRoot, startLiveServer, type LiveServer } from "./support/live-server.js";

interface TaskCase {
  readonly name?: string;
  readonly type: string;
  readonly parameters: Record<string, unknown>;
  readonly hold?: boolean;
  readonly depends_on?: readonly { readonly task: string; readonly allow_failure?: boolean }[];
}

interface Case {
  readonly name: string;
  readonly action: string;
  readonly task?: TaskCase;
  readonly stop?: { readonly reason: string; readonly message: string };
  readonly instance?: string;
  readonly timeout_seconds?: number;
  readonly resume_after?: string;
  readonly count?: number;
  readonly label_key?: string;
  readonly page_size?: number;
  readonly statuses?: readonly string[];
  readonly stream?: string;
  readonly tail_bytes?: number;
  readonly hours?: number;
  readonly xflow?: {
    readonly name: string;
    readonly project: string;
    readonly parameters: Record<string, unknown>;
  };
  readonly sql?: string;
  readonly quick?: TaskCase;
  readonly slow?: TaskCase;
  readonly retry_policy?: {
    readonly max_attempts: number;
    readonly initial_backoff_seconds: number;
    readonly backoff_multiplier: number;
    readonly non_retryable_error_types: readonly string[];
  };
  readonly tasks?: readonly TaskCase[];
  readonly cancel?: { readonly task: string; readonly message: string };
  readonly other_task?: TaskCase;
  readonly schedule_id_prefix?: string;
  readonly interval_seconds?: number;
  readonly overlap_policy?: string;
  readonly labels?: Record<string, string>;
  readonly cron?: { readonly expression: string; readonly time_zone: string };
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

/** A case's test timeout: the default, or its own timeout_seconds with room for the steps around it. */
function caseTimeoutMs(c: Case): number {
  return Math.max(CASE_TIMEOUT_MS, (c.timeout_seconds ?? 0) * 1000 + 30_000);
}

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

function taskInit(task: TaskCase): TaskInit {
  return {
    type: task.type,
    parameters: task.parameters,
    ...(task.name === undefined ? {} : { name: task.name }),
    dependsOn: (task.depends_on ?? []).map((d) => ({ task: d.task, allowFailure: d.allow_failure ?? false })),
  };
}

/** Checks task_statuses, results_json and cancellation_reasons of a terminated instance's tasks. */
async function checkTasks(
  client: Client,
  instance: Instance,
  expect: Record<string, unknown>,
): Promise<void> {
  const task = (name: string) => {
    const found = instance.tasks.find((t) => t.name === name);
    assert.ok(found, `the instance has no task ${name}`);
    return found;
  };
  for (const [name, status] of Object.entries((expect["task_statuses"] ?? {}) as Record<string, string>)) {
    assert.equal(enumName(TaskStatusSchema, task(name).status), status, name);
  }
  for (const [name, value] of Object.entries((expect["results_json"] ?? {}) as Record<string, unknown>)) {
    assert.deepEqual((await client.result(instance.name, name)).value, value, name);
  }
  for (const [name, reason] of Object.entries(
    (expect["cancellation_reasons"] ?? {}) as Record<string, string>,
  )) {
    assert.equal(enumName(CancellationReasonSchema, task(name).cancellation?.reason ?? 0), reason, name);
  }
}

async function start(client: Client, c: Case): Promise<Instance> {
  assert.ok(c.task, `case ${c.name} names no task`);
  return client.createInstance({ tasks: [taskInit(c.task)], hold: c.task.hold ?? false });
}

/** What a promise rejected with; fails the case when it resolves instead. */
async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  return promise.then(
    (value) => assert.fail(`${what} did not fail but answered ${String(value)}`),
    (error: unknown) => error,
  );
}

/** Stops an instance a case left running; one that ended already is fine. */
async function stopIfRunning(client: Client, name: string): Promise<void> {
  try {
    await client.stop(name);
  } catch (error) {
    if (!(error instanceof FailedPreconditionError)) {
      throw error;
    }
  }
}

/** Whether a wait without timeout ends with the instance terminated. */
async function terminatesAfterStop(client: Client, name: string): Promise<boolean> {
  return (await client.wait(name)).status === InstanceStatus.TERMINATED;
}

function statusName(status: InstanceStatus | undefined): string {
  return status === undefined ? "no instance" : enumName(InstanceStatusSchema, status);
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

/** The case's schedule_id_prefix, a dash and 8 hex digits new to this run. */
function scheduleId(c: Case): string {
  assert.ok(c.schedule_id_prefix, `case ${c.name} has no schedule_id_prefix`);
  return `${c.schedule_id_prefix}-${randomBytes(4).toString("hex")}`;
}

/** Nanoseconds from `from` to `to`, exactly. */
function nanosBetween(from: Timestamp, to: Timestamp): bigint {
  return (to.seconds - from.seconds) * 1_000_000_000n + BigInt(to.nanos - from.nanos);
}

/** A time as HH:MM on the wall clock of an IANA time zone. */
function wallClock(time: Date, timeZone: string): string {
  const format = { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" } as const;
  return new Intl.DateTimeFormat("en-GB", format).format(time);
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
    if ("successful" in c.expect) {
      assert.equal(waited.successful, c.expect["successful"]);
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
    const { expect } = c;
    const instance = await start(client, c);
    try {
      const error = await rejection(
        client.wait(instance.name, { timeoutMs: c.timeout_seconds * 1000 }),
        "a wait past its timeout",
      );
      assert.equal(error instanceof WaitTimeoutError, expect["timed_out_error"], String(error));
      assert.ok(error instanceof WaitTimeoutError);
      assert.equal(error.instanceName, instance.name);
      assert.ok(error.message.includes(instance.name), error.message);
      assert.equal(statusName(error.instance?.status), expect["instance_status"]);
    } finally {
      await stopIfRunning(client, instance.name);
    }
    assert.equal(await terminatesAfterStop(client, instance.name), expect["after_stop_terminated"]);
  },

  async execute(client, c) {
    assert.ok(c.task && c.timeout_seconds !== undefined);
    const { expect } = c;
    const executing = client.execute({ tasks: [taskInit(c.task)] }, { timeoutMs: c.timeout_seconds * 1000 });
    if (!expect["timed_out"]) {
      const instance = await executing;
      assert.equal(statusName(instance.status), expect["instance_status"]);
      assert.equal(instance.successful, expect["successful"]);
      checkResult(await client.result(instance.name), expect);
      return;
    }
    const error = await rejection(executing, "an execute past its timeout");
    assert.ok(error instanceof WaitTimeoutError, String(error));
    try {
      assert.ok(error.instance, "the timeout carries no instance");
      assert.equal(error.instanceName, error.instance.name);
      assert.equal(statusName(error.instance.status), expect["instance_status"]);
    } finally {
      await stopIfRunning(client, error.instanceName);
    }
    assert.equal(await terminatesAfterStop(client, error.instanceName), expect["after_stop_terminated"]);
  },

  async execute_failed(client, c) {
    assert.ok(c.task && c.timeout_seconds !== undefined);
    const { expect } = c;
    const error = await rejection(
      client.execute({ tasks: [taskInit(c.task)] }, { timeoutMs: c.timeout_seconds * 1000 }),
      "the execute of a failing task",
    );
    assert.ok(error instanceof InstanceFailedError, String(error));
    assert.equal(statusName(error.instance.status), expect["instance_status"]);
    assert.equal(error.instance.successful, expect["successful"]);
    assert.equal(error.taskName, expect["failed_task"]);
    assert.equal(error.task.name, expect["failed_task"]);
    assert.equal(enumName(TaskStatusSchema, error.taskStatus), expect["task_status"]);
    const type = error.error?.type ?? "";
    assert.ok(type.endsWith(expect["error_type_ends_with"] as string), `error type ${type}`);
    assert.equal(error.error?.message, expect["error_message"]);
  },

  async list_instances(client, c) {
    assert.ok(c.task && c.count !== undefined && c.label_key && c.statuses && c.page_size !== undefined);
    const { expect } = c;
    const labels = { [c.label_key]: randomBytes(8).toString("hex") };
    const created: string[] = [];
    for (let i = 0; i < c.count; i++) {
      created.push((await client.createInstance({ tasks: [taskInit(c.task)], labels })).name);
    }
    await client.waitInstances(created, { timeoutMs: CASE_TIMEOUT_MS });
    const statuses = c.statuses.map((name) => enumValue(InstanceStatusSchema, name) as InstanceStatus);
    const listed: Instance[] = [];
    for await (const instance of client.listInstances({ labels, statuses, pageSize: c.page_size })) {
      listed.push(instance);
    }
    const ids = listed.map((i) => i.id);
    assert.equal(ids.length, expect["count"]);
    const createdIds = created.map((name) => name.split("/").at(-1));
    assert.equal(
      JSON.stringify([...ids].sort()) === JSON.stringify([...createdIds].sort()),
      expect["same_ids_as_created"],
      `listed ${ids}, created ${createdIds}`,
    );
    assert.equal(
      ids.every((id, i) => i === 0 || ids[i - 1]! > id),
      expect["newest_first"],
      `ids ${ids}`,
    );
  },

  async read_output(client, c) {
    assert.ok(c.stream && c.tail_bytes !== undefined);
    const { expect } = c;
    const stream = enumValue(OutputStreamSchema, c.stream) as OutputStream;
    const instance = await start(client, c);
    const parts: Uint8Array[] = [];
    for await (const chunk of client.readOutput(instance.name, { stream, follow: true })) {
      parts.push(chunk.data);
    }
    const whole = Buffer.concat(parts);
    const text = whole.toString("utf8");
    for (const wanted of expect["contains"] as string[]) {
      assert.ok(text.includes(wanted), `the output lacks ${JSON.stringify(wanted)}:\n${text}`);
    }
    const tailParts: Uint8Array[] = [];
    for await (const chunk of client.readOutput(instance.name, { stream, offset: -c.tail_bytes })) {
      tailParts.push(chunk.data);
    }
    const tail = Buffer.concat(tailParts);
    assert.ok(whole.length >= c.tail_bytes, `only ${whole.length} bytes of output`);
    assert.equal(
      tail.equals(whole.subarray(whole.length - c.tail_bytes)),
      expect["tail_is_end_of_whole"],
      `tail ${JSON.stringify(tail.toString("utf8"))} of ${JSON.stringify(text)}`,
    );
  },

  async logview(client, c) {
    assert.ok(c.hours !== undefined);
    const { expect } = c;
    const instance = await start(client, c);
    await client.wait(instance.name, { timeoutMs: CASE_TIMEOUT_MS });
    const url = await client.logviewAddress(instance.name, { hours: c.hours });
    assert.equal(url.includes(instance.id), expect["url_contains_instance_id"], url);
    const response = await fetch(url);
    await response.arrayBuffer();
    assert.equal(response.status, expect["http_status"]);
  },

  async sub_instances(client, c) {
    assert.ok(c.xflow && c.timeout_seconds !== undefined);
    const { expect, xflow } = c;
    const type = `xflow.${xflow.project}.${xflow.name}`;
    const workflow = await client.createInstance({ tasks: [{ type, parameters: xflow.parameters }] });
    const done = await client.wait(workflow.name, { timeoutMs: c.timeout_seconds * 1000 });
    const errors = done.tasks.map((t) => t.error?.message).filter(Boolean);
    assert.equal(done.successful, expect["successful"], `the workflow's errors: ${errors.join("; ")}`);
    const names: string[] = [];
    const successful: boolean[] = [];
    for await (const sub of client.subInstances(workflow.name)) {
      names.push(sub.name);
      successful.push(sub.instance.status === InstanceStatus.TERMINATED && sub.instance.successful);
    }
    assert.deepEqual(names, expect["names"]);
    assert.equal(successful.length > 0 && successful.every(Boolean), expect["all_successful"]);
  },

  async sql_rows(client, c) {
    assert.ok(c.sql && c.page_size !== undefined && c.timeout_seconds !== undefined);
    const { expect } = c;
    const instance = await client.createInstance({ tasks: [{ type: "sql", parameters: { sql: c.sql } }] });
    await client.waitForSuccess(instance.name, { timeoutMs: c.timeout_seconds * 1000 });
    const rows = await client.resultRows(instance.name, { pageSize: c.page_size });
    assert.deepEqual(
      rows.columns.map(({ name, type }) => ({ name, type: enumName(ColumnTypeSchema, type) })),
      expect["columns"],
    );
    const read: unknown[][] = [];
    for await (const row of rows) {
      read.push([...row]);
    }
    assert.equal(read.length, expect["row_count"]);
    assert.deepEqual(read[0], expect["first_row"]);
  },

  async suspend_resume(client, c) {
    assert.ok(c.task && c.timeout_seconds !== undefined);
    const { expect } = c;
    const created = await client.createInstance({ tasks: [taskInit(c.task)], hold: true });
    const held = await client.getInstance(created.name);
    assert.equal(statusName(held.status), expect["held_status"]);
    assert.equal(enumName(TaskStatusSchema, held.tasks[0]?.status ?? 0), expect["held_task_status"]);
    await client.resume(created.name);
    const done = await client.wait(created.name, { timeoutMs: c.timeout_seconds * 1000 });
    assert.equal(statusName(done.status), expect["instance_status"]);
    assert.equal(done.successful, expect["successful"]);
  },

  async wait_many(client, c) {
    assert.ok(c.quick && c.slow && c.timeout_seconds !== undefined);
    const { expect } = c;
    const quick = await client.createInstance({ tasks: [taskInit(c.quick)] });
    const slow = await client.createInstance({ tasks: [taskInit(c.slow)] });
    const names = [quick.name, slow.name];
    try {
      const any = await client
        .waitInstances(names, { mode: "any", timeoutMs: c.timeout_seconds * 1000 })
        .then(
          (instances) => ({ done: true, instances }),
          (error: unknown) => {
            if (error instanceof WaitTimeoutError) {
              return { done: false, instances: error.instances };
            }
            throw error;
          },
        );
      assert.equal(any.done, expect["any_done"]);
      const label = (name: string): string => (name === quick.name ? "quick" : "slow");
      assert.deepEqual(
        any.instances.filter((i) => i.status === InstanceStatus.TERMINATED).map((i) => label(i.name)),
        expect["any_terminated"],
      );
      const allTimeoutMs = (expect["all_timeout_seconds"] as number) * 1000;
      const error = await rejection(
        client.waitInstances(names, { mode: "all", timeoutMs: allTimeoutMs }),
        "a wait for all past its timeout",
      );
      assert.equal(error instanceof WaitTimeoutError, expect["all_timed_out_error"], String(error));
      assert.ok(error instanceof WaitTimeoutError);
      assert.deepEqual(error.instanceNames, [slow.name]);
    } finally {
      await stopIfRunning(client, slow.name);
    }
  },

  async watch_instances(client, c) {
    assert.ok(c.task && c.other_task && c.label_key);
    const { expect } = c;
    const labels = { [c.label_key]: randomBytes(8).toString("hex") };
    const first = await client.createInstance({ tasks: [taskInit(c.task)], labels });
    await client.wait(first.name, { timeoutMs: CASE_TIMEOUT_MS });
    const filter = { labels, taskTypes: [c.task.type] };
    let snapshot: ProjectSnapshot | undefined;
    let second: Instance | undefined;
    const changes: { change: string; status: string; successful: boolean }[] = [];
    const seqs: bigint[] = [];
    for await (const event of client.watchInstances(filter)) {
      if (snapshot === undefined) {
        assert.equal(event.type, "projectSnapshot");
        snapshot = event as ProjectSnapshot;
        await client.createInstance({ tasks: [taskInit(c.other_task)], labels });
        second = await client.createInstance({ tasks: [taskInit(c.task)], labels });
        continue;
      }
      assert.ok(
        event.type === "instanceCreated" || event.type === "instanceStatusUpdated",
        `unexpected ${event.type} after the snapshot`,
      );
      const shown = event.instance.instance;
      assert.equal(shown?.id, second?.id, "a change of another instance");
      changes.push({
        change: event.type === "instanceCreated" ? "instance_created" : "instance_status_changed",
        status: statusName(shown?.status),
        successful: shown?.successful ?? false,
      });
      seqs.push(event.seq);
      if (event.type === "instanceStatusUpdated" && event.status === InstanceStatus.TERMINATED) {
        break;
      }
    }
    assert.ok(snapshot);
    assert.equal(snapshot.instances.length, expect["snapshot_instances"]);
    const shown = snapshot.instances[0]!;
    assert.equal(shown.instance?.id, first.id);
    assert.equal(statusName(shown.instance?.status), expect["snapshot_status"]);
    assert.deepEqual(shown.taskTypes, expect["snapshot_task_types"]);
    assert.deepEqual(changes, expect["changes"]);
    assert.ok(
      seqs.every((seq, i) => seq > (i === 0 ? snapshot!.seq : seqs[i - 1]!)),
      `seqs ${seqs} after ${snapshot.seq}`,
    );
    for await (const event of client.watchInstances({ ...filter, afterSeq: seqs[0]! })) {
      assert.equal(event.type === "projectSnapshot" ? "snapshot" : "event", expect["resumed_first_message"]);
      assert.ok(
        event.type === "instanceStatusUpdated" && event.seq === seqs[1],
        `resumed with ${event.type}`,
      );
      break;
    }
  },

  async task_types(client, c) {
    const { expect } = c;
    const types = new Map((await client.taskTypes()).map((t) => [t.name, t.workerCount]));
    for (const name of expect["includes"] as string[]) {
      assert.ok(types.has(name), `no task type ${name} among ${[...types.keys()].join(", ")}`);
      assert.ok(
        types.get(name)! >= (expect["workers_at_least"] as number),
        `${name}: ${types.get(name)} workers`,
      );
    }
  },

  async retry_attempts(client, c) {
    assert.ok(c.task && c.retry_policy && c.timeout_seconds !== undefined);
    const { expect, retry_policy: policy } = c;
    const created = await client.createInstance({
      tasks: [
        {
          ...taskInit(c.task),
          retry: {
            maxAttempts: policy.max_attempts,
            initialBackoffMs: policy.initial_backoff_seconds * 1000,
            backoffMultiplier: policy.backoff_multiplier,
            nonRetryableErrorTypes: policy.non_retryable_error_types,
          },
        },
      ],
    });
    await client.wait(created.name, { timeoutMs: c.timeout_seconds * 1000 });
    const result = await client.result(created.name);
    checkResult(result, expect);
    assert.equal(result.task.attempts, expect["attempts"]);
    assert.deepEqual(
      result.attemptHistory.map((a) => enumName(TaskStatusSchema, a.status)),
      expect["attempt_history_statuses"],
    );
    const suffix = expect["attempt_error_type_ends_with"] as string;
    for (const attempt of result.attemptHistory) {
      assert.ok(attempt.error?.type.endsWith(suffix), `attempt ${attempt.number}: ${attempt.error?.type}`);
    }
  },

  async dependencies(client, c) {
    assert.ok(c.tasks && c.tasks.length >= 2 && c.timeout_seconds !== undefined);
    const { expect } = c;
    const created = await client.createInstance({ tasks: c.tasks.map(taskInit) });
    const done = await client.wait(created.name, { timeoutMs: c.timeout_seconds * 1000 });
    assert.equal(statusName(done.status), expect["instance_status"]);
    await checkTasks(client, done, expect);
    // The first two tasks, each depending on the other, make a cycle.
    const [first, second] = c.tasks.map(taskInit) as [TaskInit, TaskInit];
    const error = await rejection(
      client.createInstance({
        tasks: [
          { ...first, dependsOn: [second.name!] },
          { ...second, dependsOn: [first.name!] },
        ],
      }),
      "the create of a cycle",
    );
    assert.ok(error instanceof InvalidArgumentError, String(error));
    assert.deepEqual(
      error.fieldViolations.map((v) => v.field),
      [expect["cycle_field"]],
    );
  },

  async cancel_task_and_delete(client, c) {
    assert.ok(c.tasks && c.cancel && c.timeout_seconds !== undefined);
    const { expect, cancel } = c;
    const created = await client.createInstance({ tasks: c.tasks.map(taskInit) });
    const current = await client.getInstance(created.name);
    const before = expect["waiting_reason_before"] as Record<string, string>;
    for (const [name, reason] of Object.entries(before)) {
      const task = current.tasks.find((t) => t.name === name);
      assert.equal(enumName(WaitingReasonSchema, task?.waitingReason ?? 0), reason, name);
    }
    const running = (e: WatchEvent): boolean =>
      (e.type === "taskStatusChanged" &&
        e.taskName === cancel.task &&
        enumName(TaskStatusSchema, e.status) === "TASK_STATUS_RUNNING") ||
      (e.type === "snapshot" &&
        e.instance.tasks.some(
          (t) => t.name === cancel.task && enumName(TaskStatusSchema, t.status) === "TASK_STATUS_RUNNING",
        ));
    let sawRunning = false;
    for await (const event of client.watch(created.name)) {
      if (running(event)) {
        sawRunning = true;
        break;
      }
    }
    assert.ok(sawRunning, `the watch ended before ${cancel.task} ran`);
    await client.cancelTask(created.name, cancel.task, { message: cancel.message });
    const done = await client.wait(created.name, { timeoutMs: c.timeout_seconds * 1000 });
    await checkTasks(client, done, expect);
    assert.equal(done.tasks.find((t) => t.name === cancel.task)?.cancellation?.message, cancel.message);
    await client.deleteInstance(created.name);
    const error = await rejection(client.getInstance(created.name), "a get of the deleted instance");
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.codeName, expect["after_delete_code"]);
    assert.equal(error.reason, expect["after_delete_reason"]);
  },

  async schedule_trigger(client, c) {
    assert.ok(
      c.task && c.interval_seconds !== undefined && c.overlap_policy && c.timeout_seconds !== undefined,
    );
    const { expect } = c;
    const id = scheduleId(c);
    const tasks = [taskInit(c.task)];
    const schedule = await client.createSchedule(id, {
      intervalMs: c.interval_seconds * 1000,
      tasks,
      overlap: enumValue(OverlapPolicySchema, c.overlap_policy),
      labels: c.labels ?? {},
    });
    assert.equal(enumName(OverlapPolicySchema, schedule.overlapPolicy), expect["overlap_policy"]);
    assert.ok(schedule.createTime && schedule.nextFireTime, "no create or next fire time");
    assert.equal(
      nanosBetween(schedule.createTime, schedule.nextFireTime),
      BigInt((expect["next_fire_after_create_seconds"] as number) * 1e9),
    );

    const duplicate = await rejection(
      client.createSchedule(id, { intervalMs: c.interval_seconds * 1000, tasks }),
      "a second create of the id",
    );
    assert.ok(duplicate instanceof ApiError, String(duplicate));
    assert.equal(duplicate.codeName, expect["duplicate_code"]);
    assert.equal(duplicate instanceof AlreadyExistsError, duplicate.codeName === "ALREADY_EXISTS");

    const triggered = await client.triggerSchedule(schedule.name);
    const instance = await client.wait(triggered.name, { timeoutMs: c.timeout_seconds * 1000 });
    assert.equal(statusName(instance.status), expect["instance_status"]);
    assert.equal(instance.successful, expect["successful"]);
    assert.deepEqual((await client.result(instance.name)).value, expect["result_json"]);
    assert.equal(instance.schedule, schedule.name);
    assert.deepEqual(instance.labels, {
      ...(expect["instance_labels"] as Record<string, string>),
      [expect["schedule_label"] as string]: id,
    });

    const again = await client.getSchedule(id);
    assert.equal(again.fireCount, BigInt(expect["fire_count"] as number));
    assert.equal(again.lastInstance, instance.name);
    const listed: string[] = [];
    // One per page, so that the iteration follows page tokens whenever the project has more schedules.
    for await (const each of client.listSchedules({ pageSize: 1 })) {
      listed.push(each.id);
    }
    assert.ok(listed.includes(id), `the list ${listed.join(", ")} lacks ${id}`);

    await client.deleteSchedule(id);
    const gone = await rejection(client.getSchedule(id), "a get of the deleted schedule");
    assert.ok(gone instanceof ApiError, String(gone));
    assert.equal(gone.codeName, expect["after_delete_code"]);
  },

  async schedule_pause(client, c) {
    assert.ok(c.task && c.cron && c.timeout_seconds !== undefined);
    const { expect, cron } = c;
    const id = scheduleId(c);
    const tasks = [taskInit(c.task)];
    const refused = await rejection(
      client.createSchedule(id, { cron: expect["bad_cron"] as string, tasks }),
      `a create with cron ${String(expect["bad_cron"])}`,
    );
    assert.ok(refused instanceof InvalidArgumentError, String(refused));
    assert.deepEqual(
      refused.fieldViolations.map((v) => v.field),
      [expect["bad_cron_field"]],
    );

    const schedule = await client.createSchedule(id, {
      cron: cron.expression,
      timeZone: cron.time_zone,
      tasks,
    });
    assert.ok(schedule.timing.case === "cron", `timing ${schedule.timing.case}`);
    assert.equal(schedule.timing.value.expression, cron.expression);
    assert.equal(schedule.timing.value.timeZone, cron.time_zone);
    assert.ok(schedule.nextFireTime, "no next fire time");
    assert.equal(
      wallClock(timestampDate(schedule.nextFireTime), cron.time_zone),
      expect["next_fire_local_time"],
    );

    const paused = await client.pauseSchedule(id);
    assert.equal(paused.nextFireTime !== undefined, expect["paused_next_fire_time_set"]);
    assert.equal((await client.getSchedule(id)).paused, true);
    // A paused schedule still starts an instance on demand.
    const triggered = await client.triggerSchedule(id);
    await client.wait(triggered.name, { timeoutMs: c.timeout_seconds * 1000 });
    assert.equal(
      (await client.getSchedule(id)).fireCount,
      BigInt(expect["trigger_while_paused_fire_count"] as number),
    );
    const resumed = await client.resumeSchedule(id);
    assert.equal(resumed.nextFireTime !== undefined, expect["resumed_next_fire_time_set"]);
    await client.deleteSchedule(id);
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
    test(c.name, { timeout: caseTimeoutMs(c) }, async () => {
      const action = ACTIONS[c.action];
      assert.ok(action, `no implementation of action ${c.action}`);
      assert.ok(client, "the server did not start");
      await action(client, c);
    });
  }
});
