/**
 * A watch of a live server through a TCP proxy that the test cuts: the watch resumes by itself on a new
 * connection and yields every change once, in order. The task ("steps") waits for a gate file after each
 * progress report, so the test decides when it moves on and no step can be coalesced away.
 */

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { connect, InstanceStatus, TaskStatus, type Client, type WatchEvent } from "../src/index.js";
import { startLiveServer, type LiveServer } from "./support/live-server.js";

/** Forwards 127.0.0.1:port to `target` until cut() breaks every connection it carries. */
class CuttableProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  private constructor(target: string) {
    const [host, port] = target.split(":") as [string, string];
    this.server = net.createServer((downstream) => {
      const upstream = net.connect(Number(port), host);
      for (const [from, to] of [
        [downstream, upstream],
        [upstream, downstream],
      ] as const) {
        this.sockets.add(from);
        from.pipe(to);
        from.on("error", () => to.destroy());
        from.on("close", () => {
          this.sockets.delete(from);
          to.destroy();
        });
      }
    });
  }

  static async start(target: string): Promise<{ proxy: CuttableProxy; address: string }> {
    const proxy = new CuttableProxy(target);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    const { port } = proxy.server.address() as net.AddressInfo;
    return { proxy, address: `127.0.0.1:${port}` };
  }

  /** Breaks every connection, as a network failure would. */
  cut(): void {
    for (const socket of this.sockets) {
      socket.destroy();
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let server: LiveServer | undefined;
let proxy: CuttableProxy | undefined;
let client: Client | undefined;
let gates: string | undefined;
let watchCalls = 0;

before(
  async () => {
    server = await startLiveServer();
    const started = await CuttableProxy.start(server.address);
    proxy = started.proxy;
    client = connect(started.address, {
      project: "resume",
      interceptors: [
        (next) => (request) => {
          watchCalls += request.method.name === "WatchInstance" ? 1 : 0;
          return next(request);
        },
      ],
    });
    gates = await mkdtemp(join(tmpdir(), "taskstream-ts-gates-"));
  },
  { timeout: 60_000 },
);

after(
  async () => {
    client?.close();
    await proxy?.close();
    await server?.stop();
    if (gates) {
      await rm(gates, { recursive: true, force: true });
    }
  },
  { timeout: 60_000 },
);

test(
  "a watch resumes after every cut of its connection, missing and repeating nothing",
  { timeout: 60_000 },
  async () => {
    assert.ok(client && proxy && gates);
    const count = 3;
    const instance = await client.createInstance({
      tasks: [{ type: "steps", parameters: { gates, count } }],
    });
    const events: WatchEvent[] = [];
    for await (const event of client.watch(instance.name)) {
      events.push(event);
      if (event.type === "taskProgressUpdated") {
        const step = events.filter((e) => e.type === "taskProgressUpdated").length - 1;
        proxy.cut();
        await writeFile(join(gates, String(step)), "open");
      }
    }
    const messages = events.flatMap((e) => (e.type === "taskProgressUpdated" ? [e.progress.message] : []));
    assert.deepEqual(messages, ["step 0", "step 1", "step 2"]);
    const seqs = events.filter((e) => e.type !== "snapshot").map((e) => e.seq);
    assert.ok(
      seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!),
      `seqs not strictly increasing: ${seqs}`,
    );
    const statuses = events.flatMap((e) => (e.type === "taskStatusChanged" ? [e.status] : []));
    assert.deepEqual(statuses.slice(-2), [TaskStatus.RUNNING, TaskStatus.SUCCESS]);
    const last = events.at(-1);
    assert.ok(last?.type === "snapshot" && last.instance.status === InstanceStatus.TERMINATED);
    assert.equal(watchCalls, count + 1, "one watch call, then one after each cut");
    assert.equal((await client.result(instance.name)).value, count);
  },
);
