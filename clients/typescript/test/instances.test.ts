/**
 * The helper's listing and instance calls against a scripted server: listInstances and subInstances page
 * through every page themselves, and suspend, resume, logviewAddress and taskTypes send what they should.
 */

import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { InstanceStatus, type Instance } from "../src/index.js";
import { instance, startFakeServer, type FakeServer } from "./support/fake-server.js";

let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const item of items) {
    seen.push(item);
  }
  return seen;
}

const named = (id: string): Instance => instance({ name: `projects/test/instances/${id}`, id });

test("listInstances sends every filter and fetches each page with the token of the one before", async () => {
  const pages: Record<string, { ids: string[]; next: string }> = {
    "": { ids: ["i5", "i4"], next: "t1" },
    t1: { ids: ["i3", "i2"], next: "t2" },
    t2: { ids: ["i1"], next: "" },
  };
  const requests: unknown[] = [];
  server = await startFakeServer({
    listInstances(request) {
      requests.push({
        parent: request.parent,
        pageSize: request.pageSize,
        pageToken: request.pageToken,
        statuses: request.statuses,
        owner: request.owner,
        start: request.createTimeStart && timestampDate(request.createTimeStart).toISOString(),
        end: request.createTimeEnd && timestampDate(request.createTimeEnd).toISOString(),
        labels: request.labels,
      });
      const page = pages[request.pageToken];
      assert.ok(page, `unknown token ${request.pageToken}`);
      return { instances: page.ids.map(named), nextPageToken: page.next };
    },
  });
  const listed = await collect(
    server.client.listInstances({
      statuses: [InstanceStatus.TERMINATED, InstanceStatus.SUSPENDED],
      owner: "ana",
      createTimeStart: new Date("2026-11-21T10:00:00.000Z"),
      createTimeEnd: new Date("2026-11-22T10:00:00.500Z"),
      labels: { run: "r1" },
      pageSize: 2,
    }),
  );
  assert.deepEqual(
    listed.map((i) => i.id),
    ["i5", "i4", "i3", "i2", "i1"],
  );
  const filters = {
    parent: "projects/test",
    pageSize: 2,
    statuses: [InstanceStatus.TERMINATED, InstanceStatus.SUSPENDED],
    owner: "ana",
    start: "2026-11-21T10:00:00.000Z",
    end: "2026-11-22T10:00:00.500Z",
    labels: { run: "r1" },
  };
  assert.deepEqual(requests, [
    { ...filters, pageToken: "" },
    { ...filters, pageToken: "t1" },
    { ...filters, pageToken: "t2" },
  ]);
});

test("listInstances without filters sends none; leaving the loop fetches no more pages", async () => {
  const requests: { pageSize: number; statuses: number; owner: string; start: boolean; end: boolean }[] = [];
  server = await startFakeServer({
    listInstances(request) {
      requests.push({
        pageSize: request.pageSize,
        statuses: request.statuses.length,
        owner: request.owner,
        start: request.createTimeStart !== undefined,
        end: request.createTimeEnd !== undefined,
      });
      return { instances: [named("a"), named("b")], nextPageToken: "more" };
    },
  });
  for await (const listed of server.client.listInstances()) {
    assert.equal(listed.id, "a");
    break;
  }
  assert.deepEqual(requests, [{ pageSize: 0, statuses: 0, owner: "", start: false, end: false }]);
  await assert.rejects(collect(server.client.listInstances({ pageSize: 0 })), RangeError);
  assert.equal(requests.length, 1);
});

test("subInstances yields every page's sub-instances in order", async () => {
  const requests: [string, number, string][] = [];
  server = await startFakeServer({
    listSubInstances(request) {
      requests.push([request.parent, request.pageSize, request.pageToken]);
      const first = request.pageToken === "";
      const subs = first
        ? [
            { name: "DescInputTable", task: "AppendID", instance: named("s1") },
            { name: "Nested", task: "AppendID", instance: named("s2"), workflow: true },
          ]
        : [{ name: "AppendID", task: "AppendID", instance: named("s3") }];
      return { subInstances: subs, nextPageToken: first ? "next" : "", seq: 9n };
    },
  });
  const subs = await collect(server.client.subInstances("w1", { pageSize: 2 }));
  assert.deepEqual(
    subs.map((s) => [s.name, s.taskName, s.instance.id, s.workflow]),
    [
      ["DescInputTable", "AppendID", "s1", false],
      ["Nested", "AppendID", "s2", true],
      ["AppendID", "AppendID", "s3", false],
    ],
  );
  assert.deepEqual(requests, [
    ["projects/test/instances/w1", 2, ""],
    ["projects/test/instances/w1", 2, "next"],
  ]);
});

test("suspend and resume name the instance and answer with it", async () => {
  const calls: string[] = [];
  server = await startFakeServer({
    suspendInstance(request) {
      calls.push(`suspend ${request.name}`);
      return { instance: instance({ status: InstanceStatus.SUSPENDED }) };
    },
    resumeInstance(request) {
      calls.push(`resume ${request.name}`);
      return { instance: instance({ status: InstanceStatus.RUNNING }) };
    },
  });
  assert.equal((await server.client.suspend("i1")).status, InstanceStatus.SUSPENDED);
  assert.equal((await server.client.resume("i1")).status, InstanceStatus.RUNNING);
  assert.deepEqual(calls, ["suspend projects/test/instances/i1", "resume projects/test/instances/i1"]);
});

test("logviewAddress sends hours only when given and answers with the URL", async () => {
  const hours: (number | undefined)[] = [];
  server = await startFakeServer({
    getLogviewAddress(request) {
      hours.push(request.hours);
      return { url: `http://127.0.0.1:1/logview/?i=${request.name}&token=t` };
    },
  });
  const url = await server.client.logviewAddress("i1", { hours: 2 });
  await server.client.logviewAddress("i1");
  assert.equal(url, "http://127.0.0.1:1/logview/?i=projects/test/instances/i1&token=t");
  assert.deepEqual(hours, [2, undefined]);
});

test("taskTypes lists the types with their worker counts", async () => {
  server = await startFakeServer({
    listTaskTypes() {
      return {
        taskTypes: [
          { name: "echo", description: "Echoes.", workerCount: 2 },
          { name: "sql", description: "Runs SQL.", workerCount: 1 },
        ],
      };
    },
  });
  const types = await server.client.taskTypes();
  assert.deepEqual(
    types.map((t) => [t.name, t.description, t.workerCount]),
    [
      ["echo", "Echoes.", 2],
      ["sql", "Runs SQL.", 1],
    ],
  );
});
