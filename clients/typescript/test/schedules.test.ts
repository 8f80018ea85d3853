/**
 * Schedules against a scripted ScheduleService: what createSchedule sends, the names the other calls
 * take, every page of a list, and the errors of each call.
 */

import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { create, equals, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  AlreadyExistsError,
  ApiError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  OverlapPolicy,
  type ScheduleInit,
} from "../src/index.js";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  ResourceInfoSchema,
} from "../src/gen/google/rpc/error_details_pb.js";
import { ScheduleSchema, type Schedule } from "../src/gen/taskstream/v1/schedule_pb.js";
import {
  type CreateScheduleRequest,
  CreateScheduleRequestSchema,
  type ListSchedulesRequest,
} from "../src/gen/taskstream/v1/schedule_service_pb.js";
import { instance, startFakeServer, type FakeServer } from "./support/fake-server.js";

let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const NAME = "projects/test/schedules/nightly";

function schedule(init: MessageInitShape<typeof ScheduleSchema> = {}): Schedule {
  return create(ScheduleSchema, { name: NAME, id: "nightly", project: "test", ...init });
}

/** A server whose CreateSchedule records its requests and answers with the schedule. */
async function recordingCreates(): Promise<{ server: FakeServer; requests: CreateScheduleRequest[] }> {
  const requests: CreateScheduleRequest[] = [];
  const started = await startFakeServer(
    {},
    {},
    {
      createSchedule(request) {
        requests.push(request);
        return { schedule: schedule({ id: request.scheduleId }) };
      },
    },
  );
  return { server: started, requests };
}

test("createSchedule sends an interval, the instances' tasks and options, and the schedule's own", async () => {
  const recorded = await recordingCreates();
  server = recorded.server;
  const created = await server.client.createSchedule("nightly", {
    intervalMs: 3_600_000,
    tasks: [
      { name: "extract", type: "echo", parameters: { n: 7 }, retry: { maxAttempts: 3 } },
      { name: "load", type: "echo", dependsOn: ["extract"] },
    ],
    priority: 3,
    labels: { team: "data" },
    retentionMs: 86_400_000,
    cancelOnTaskFailure: true,
    overlap: OverlapPolicy.ALLOW,
    catchUpWindowMs: 600_000,
    paused: true,
    requestId: "req-1",
  });
  assert.equal(created.name, NAME);
  const want = create(CreateScheduleRequestSchema, {
    parent: "projects/test",
    scheduleId: "nightly",
    requestId: "req-1",
    schedule: {
      timing: { case: "interval", value: durationFromMs(3_600_000) },
      instanceTemplate: {
        tasks: [
          { name: "extract", type: "echo", parametersJson: '{"n":7}', retryPolicy: { maxAttempts: 3 } },
          { name: "load", type: "echo", dependencies: [{ task: "extract" }] },
        ],
        priority: 3,
        labels: { team: "data" },
        options: { retention: durationFromMs(86_400_000), cancelOnTaskFailure: true },
      },
      overlapPolicy: OverlapPolicy.ALLOW,
      catchUpWindow: durationFromMs(600_000),
      paused: true,
    },
  });
  const [sent] = recorded.requests;
  assert.ok(sent);
  assert.equal(
    toJsonString(CreateScheduleRequestSchema, sent),
    toJsonString(CreateScheduleRequestSchema, want),
  );
  assert.ok(equals(CreateScheduleRequestSchema, sent, want));
});

test("createSchedule sends a cron with its time zone and leaves the rest to the server", async () => {
  const recorded = await recordingCreates();
  server = recorded.server;
  await server.client.createSchedule("nightly", {
    cron: "0 2 * * *",
    timeZone: "Europe/Paris",
    tasks: [{ type: "echo" }],
  });
  const [sent] = recorded.requests;
  assert.ok(sent?.schedule);
  const timing = sent.schedule.timing;
  assert.equal(timing.case, "cron");
  assert.equal(timing.value.expression, "0 2 * * *");
  assert.equal(timing.value.timeZone, "Europe/Paris");
  assert.equal(sent.schedule.overlapPolicy, OverlapPolicy.UNSPECIFIED);
  assert.equal(sent.schedule.catchUpWindow, undefined);
  assert.equal(sent.schedule.paused, false);
  assert.equal(sent.schedule.instanceTemplate?.priority, undefined);
  assert.equal(sent.requestId, "");
});

test("createSchedule refuses a timing or options it cannot send, without calling", async () => {
  const recorded = await recordingCreates();
  server = recorded.server;
  const tasks = [{ type: "echo" }];
  // What the types forbid, as a caller without them may still pass it.
  const bad = [
    { tasks },
    { tasks, cron: "@daily", intervalMs: 1000 },
    { tasks, intervalMs: 0 },
    { tasks, intervalMs: 1000, timeZone: "Europe/Paris" },
    { tasks, intervalMs: 1000, hold: true },
    { tasks, intervalMs: 1000, startTime: new Date() },
  ] as unknown as ScheduleInit[];
  for (const init of bad) {
    await assert.rejects(server.client.createSchedule("s", init), RangeError, JSON.stringify(init));
  }
  assert.equal(recorded.requests.length, 0);
});

test("a taken schedule id rejects with AlreadyExistsError naming it", async () => {
  server = await startFakeServer(
    {},
    {},
    {
      createSchedule() {
        throw new ConnectError("schedule nightly exists", Code.AlreadyExists, undefined, [
          { desc: ResourceInfoSchema, value: { resourceType: "schedule", resourceName: NAME } },
        ]);
      },
    },
  );
  await assert.rejects(
    server.client.createSchedule("nightly", { intervalMs: 1000, tasks: [{ type: "echo" }] }),
    (e) =>
      e instanceof AlreadyExistsError &&
      e instanceof ApiError &&
      !(e instanceof NotFoundError) &&
      e.code === Code.AlreadyExists &&
      e.codeName === "ALREADY_EXISTS" &&
      e.resourceType === "schedule" &&
      e.resourceName === NAME,
  );
});

test("the schedule calls take an id or a name, and trigger resolves with the instance", async () => {
  const names: string[] = [];
  server = await startFakeServer(
    {},
    {},
    {
      getSchedule({ name }) {
        names.push(name);
        return { schedule: schedule() };
      },
      pauseSchedule({ name }) {
        names.push(name);
        return { schedule: schedule({ paused: true }) };
      },
      resumeSchedule({ name }) {
        names.push(name);
        return { schedule: schedule() };
      },
      triggerSchedule({ name }) {
        names.push(name);
        return { instance: instance({ schedule: name }) };
      },
      deleteSchedule({ name }) {
        names.push(name);
        return {};
      },
    },
  );
  const client = server.client;
  assert.equal(client.scheduleName("nightly"), NAME);
  assert.equal(client.scheduleName("projects/other/schedules/x"), "projects/other/schedules/x");
  assert.equal((await client.getSchedule("nightly")).id, "nightly");
  assert.equal((await client.pauseSchedule(NAME)).paused, true);
  assert.equal((await client.resumeSchedule("nightly")).paused, false);
  const triggered = await client.triggerSchedule("nightly");
  assert.equal(triggered.name, "projects/test/instances/i1");
  assert.equal(triggered.schedule, NAME);
  // An instance names its schedule as the schedule calls take it.
  await client.deleteSchedule(triggered.schedule);
  assert.deepEqual(names, [NAME, NAME, NAME, NAME, NAME]);
});

test("the schedule calls reject with the error of their status", async () => {
  const notFound = () =>
    new ConnectError("no schedule nightly", Code.NotFound, undefined, [
      { desc: ResourceInfoSchema, value: { resourceType: "schedule", resourceName: NAME } },
    ]);
  let triggers = 0;
  server = await startFakeServer(
    {},
    {},
    {
      getSchedule() {
        throw notFound();
      },
      deleteSchedule() {
        throw notFound();
      },
      createSchedule() {
        throw new ConnectError("bad cron", Code.InvalidArgument, undefined, [
          {
            desc: BadRequestSchema,
            value: { fieldViolations: [{ field: "schedule.cron.expression", description: "minute 61" }] },
          },
        ]);
      },
      triggerSchedule() {
        triggers += 1;
        throw new ConnectError("an instance still runs", Code.FailedPrecondition, undefined, [
          { desc: ErrorInfoSchema, value: { reason: "SCHEDULE_OVERLAP" } },
        ]);
      },
    },
  );
  const client = server.client;
  await assert.rejects(
    client.getSchedule("nightly"),
    (e) => e instanceof NotFoundError && e.resourceName === NAME,
  );
  await assert.rejects(client.deleteSchedule("nightly"), NotFoundError);
  await assert.rejects(
    client.createSchedule("nightly", { cron: "61 * * * *", tasks: [{ type: "echo" }] }),
    (e) =>
      e instanceof InvalidArgumentError &&
      e.fieldViolations.map((v) => v.field).join() === "schedule.cron.expression",
  );
  await assert.rejects(
    client.triggerSchedule("nightly"),
    (e) => e instanceof FailedPreconditionError && e.reason === "SCHEDULE_OVERLAP",
  );
  assert.equal(triggers, 1);
});

test("listSchedules fetches every page, in order, as the iteration gets there", async () => {
  const all = ["a", "b", "c", "d", "e"].map((id) => schedule({ id, name: `projects/test/schedules/${id}` }));
  const requests: ListSchedulesRequest[] = [];
  server = await startFakeServer(
    {},
    {},
    {
      listSchedules(request) {
        requests.push(request);
        const start = request.pageToken === "" ? 0 : Number(request.pageToken);
        const end = Math.min(all.length, start + request.pageSize);
        return { schedules: all.slice(start, end), nextPageToken: end < all.length ? String(end) : "" };
      },
    },
  );
  const ids: string[] = [];
  for await (const listed of server.client.listSchedules({ pageSize: 2 })) {
    ids.push(listed.id);
    if (ids.length === 2) {
      assert.equal(requests.length, 1, "the second page is fetched only when the loop gets there");
    }
  }
  assert.deepEqual(ids, ["a", "b", "c", "d", "e"]);
  assert.deepEqual(
    requests.map((r) => [r.parent, r.pageSize, r.pageToken]),
    [
      ["projects/test", 2, ""],
      ["projects/test", 2, "2"],
      ["projects/test", 2, "4"],
    ],
  );
  await assert.rejects(server.client.listSchedules({ pageSize: 0 }).next(), RangeError);
  assert.equal(requests.length, 3);
});
