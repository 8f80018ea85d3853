/**
 * A scripted InstanceService (and ScheduleService) on a real HTTP/2 gRPC server on 127.0.0.1, port 0:
 * the helper's unit tests talk to it over a real channel, each test supplying the methods it needs.
 */

import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { connect, type Client, type ClientOptions } from "../../src/index.js";
import { InstanceSchema, InstanceStatus } from "../../src/gen/taskstream/v1/instance_pb.js";
import { InstanceService } from "../../src/gen/taskstream/v1/instance_service_pb.js";
import { ScheduleService } from "../../src/gen/taskstream/v1/schedule_service_pb.js";

export interface FakeServer {
  /** "127.0.0.1:PORT". */
  readonly address: string;
  /** A client of it in project "test"; closed by close(). */
  readonly client: Client;
  /**
   * Breaks every connection: "socket" cuts the TCP connections, as a network failure would; "session"
   * destroys the HTTP/2 sessions, which resets their streams (RST_STREAM CANCEL) as a proxy may.
   */
  dropConnections(how: "socket" | "session"): void;
  close(): Promise<void>;
}

export async function startFakeServer(
  implementation: Partial<ServiceImpl<typeof InstanceService>>,
  options: ClientOptions = {},
  schedules: Partial<ServiceImpl<typeof ScheduleService>> = {},
): Promise<FakeServer> {
  const handler = connectNodeAdapter({
    grpc: true,
    connect: false,
    grpcWeb: false,
    routes: (router) => router.service(InstanceService, implementation).service(ScheduleService, schedules),
  });
  const server = http2.createServer(handler);
  const sessions = new Set<http2.Http2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = connect(address, { project: "test", ...options });
  return {
    address,
    client,
    dropConnections(how) {
      for (const session of sessions) {
        if (how === "socket") {
          session.socket.destroy();
        } else {
          session.destroy();
        }
      }
    },
    async close() {
      client.close();
      for (const session of sessions) {
        session.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An instance message named in project "test". */
export function instance(init: MessageInitShape<typeof InstanceSchema> = {}) {
  return create(InstanceSchema, {
    name: "projects/test/instances/i1",
    id: "i1",
    project: "test",
    status: InstanceStatus.RUNNING,
    ...init,
  });
}
