/**
 * Client.watchInstances against a scripted server: snapshot pages gathered into one snapshot, typed
 * changes, and a resume after the last project seq (a heartbeat's and a WatchEnd's included).
 */

import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { InstanceStatus, PermissionDeniedError, type ProjectEvent } from "../src/index.js";
import {
  WatchEndReason,
  WatchInstancesResponseSchema,
  type WatchInstancesRequest,
  type WatchInstancesResponse,
} from "../src/gen/taskstream/v1/instance_service_pb.js";
import { instance, startFakeServer, type FakeServer } from "./support/fake-server.js";

let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const FAST = { attempts: 3, firstDelayMs: 1, maxDelayMs: 2 };

function summary(id: string, status: InstanceStatus) {
  return {
    instance: instance({ id, name: `projects/test/instances/${id}`, status }),
    taskTypes: ["echo"],
    taskCount: 1,
  };
}

function page(seq: bigint, last: boolean, ...ids: string[]): WatchInstancesResponse {
  return create(WatchInstancesResponseSchema, {
    kind: {
      case: "snapshot",
      value: { seq, last, instances: ids.map((id) => summary(id, InstanceStatus.TERMINATED)) },
    },
  });
}

function created(seq: bigint, id: string): WatchInstancesResponse {
  return create(WatchInstancesResponseSchema, {
    kind: {
      case: "event",
      value: {
        seq,
        instance: summary(id, InstanceStatus.RUNNING),
        change: { case: "instanceCreated", value: {} },
      },
    },
  });
}

function ended(seq: bigint, id: string): WatchInstancesResponse {
  return create(WatchInstancesResponseSchema, {
    kind: {
      case: "event",
      value: {
        seq,
        instance: summary(id, InstanceStatus.TERMINATED),
        change: {
          case: "instanceStatusChanged",
          value: {
            previousStatus: InstanceStatus.RUNNING,
            status: InstanceStatus.TERMINATED,
            successful: true,
          },
        },
      },
    },
  });
}

interface Try {
  readonly messages: WatchInstancesResponse[];
  readonly then?: ConnectError;
}

async function scripted(tries: Try[]): Promise<{ requests: WatchInstancesRequest[]; server: FakeServer }> {
  const requests: WatchInstancesRequest[] = [];
  const started = await startFakeServer({
    async *watchInstances(request) {
      const script = tries[requests.length];
      requests.push(request);
      assert.ok(script, `unexpected watch #${requests.length}`);
      for (const message of script.messages) {
        yield message;
      }
      if (script.then) {
        throw script.then;
      }
    },
  });
  return { requests, server: started };
}

function line(event: ProjectEvent): string {
  switch (event.type) {
    case "projectSnapshot":
      return `snapshot@${event.seq} ${event.instances.map((s) => s.instance?.id).join(",")}`;
    case "instanceCreated":
      return `created@${event.seq} ${event.instance.instance?.id}`;
    case "instanceStatusUpdated":
      return `status@${event.seq} ${InstanceStatus[event.status]} ${event.successful}`;
    default:
      return `${event.type}@${event.seq}`;
  }
}

test("gathers the snapshot's pages, types each change and resumes after the last seq", async () => {
  const run = await scripted([
    {
      messages: [page(4n, false, "b"), page(4n, true, "a"), created(5n, "c")],
      then: new ConnectError("reset", Code.Unavailable),
    },
    {
      messages: [
        created(5n, "c"), // sent again: skipped
        ended(6n, "c"),
        create(WatchInstancesResponseSchema, { kind: { case: "heartbeat", value: { seq: 9n } } }),
        create(WatchInstancesResponseSchema, {
          kind: { case: "end", value: { reason: WatchEndReason.SERVER_DRAINING, resumeAfterSeq: 9n } },
        }),
      ],
    },
    { messages: [created(10n, "d")] },
  ]);
  server = run.server;
  const seen: string[] = [];
  for await (const event of server.client.watchInstances({
    labels: { team: "a" },
    taskTypes: ["echo"],
    heartbeats: true,
    retry: FAST,
  })) {
    seen.push(line(event));
    if (seen.length === 5) {
      break;
    }
  }
  assert.deepEqual(seen, [
    "snapshot@4 b,a",
    "created@5 c",
    "status@6 TERMINATED true",
    "heartbeat@9",
    "created@10 d",
  ]);
  assert.deepEqual(
    run.requests.map((r) => r.afterSeq),
    [0n, 5n, 9n],
  );
  for (const request of run.requests) {
    assert.equal(request.parent, "projects/test");
    assert.deepEqual(request.labels, { team: "a" });
    assert.deepEqual(request.taskTypes, ["echo"]);
  }
});

test("a refused watch throws at once", async () => {
  const run = await scripted([{ messages: [], then: new ConnectError("not yours", Code.PermissionDenied) }]);
  server = run.server;
  await assert.rejects(async () => {
    for await (const event of server!.client.watchInstances({ retry: FAST })) {
      assert.fail(`an event ${event.type} from a refused watch`);
    }
  }, PermissionDeniedError);
  assert.equal(run.requests.length, 1);
});
