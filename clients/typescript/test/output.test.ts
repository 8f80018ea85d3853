/**
 * Client.readOutput against a scripted server: what it asks for, the chunks it yields, and how it resumes
 * a dropped stream at the next byte without yielding a byte twice.
 */

import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { ApiError, NotFoundError, OutputStream, type OutputChunk } from "../src/index.js";
import { startFakeServer, type FakeServer } from "./support/fake-server.js";

let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const FAST = { attempts: 3, firstDelayMs: 1, maxDelayMs: 2 };

interface Seen {
  readonly instance: string;
  readonly task: string;
  readonly stream: OutputStream;
  readonly offset: bigint;
  readonly follow: boolean;
}

/** A server whose n-th ReadTaskOutput call sends tries[n]: chunks (offset, text), then maybe an error. */
async function scripted(tries: { chunks: [number, string][]; then?: ConnectError }[]): Promise<Seen[]> {
  const seen: Seen[] = [];
  server = await startFakeServer({
    async *readTaskOutput(request) {
      const script = tries[seen.length];
      const { instance, task, stream, offset, follow } = request;
      seen.push({ instance, task, stream, offset, follow });
      assert.ok(script, `unexpected read #${seen.length}`);
      for (const [offset, text] of script.chunks) {
        yield { offset: BigInt(offset), data: encoder.encode(text), cutBytes: offset === 100 ? 40n : 0n };
      }
      if (script.then) {
        throw script.then;
      }
    },
  });
  return seen;
}

async function collect(chunks: AsyncIterable<OutputChunk>): Promise<OutputChunk[]> {
  const seen: OutputChunk[] = [];
  for await (const chunk of chunks) {
    seen.push(chunk);
  }
  return seen;
}

const text = (chunks: OutputChunk[]): string => chunks.map((c) => decoder.decode(c.data)).join("");

test("sends the task, stream, offset and follow; yields chunks with number offsets", async () => {
  const seen = await scripted([
    {
      chunks: [
        [0, "head\n"],
        [100, "tail\n"],
      ],
    },
  ]);
  assert.ok(server);
  const chunks = await collect(
    server.client.readOutput("i1", { task: "t", stream: OutputStream.STDERR, follow: true }),
  );
  assert.deepEqual(
    chunks.map((c) => [c.offset, decoder.decode(c.data), c.cutBytes]),
    [
      [0, "head\n", 0],
      [100, "tail\n", 40],
    ],
  );
  assert.deepEqual(seen, [
    {
      instance: "projects/test/instances/i1",
      task: "t",
      stream: OutputStream.STDERR,
      offset: 0n,
      follow: true,
    },
  ]);
});

test("a negative offset asks for the tail; the defaults are stdout, the only task, no follow", async () => {
  const seen = await scripted([{ chunks: [[6, "world"]] }]);
  assert.ok(server);
  const chunks = await collect(server.client.readOutput("i1", { offset: -5 }));
  assert.deepEqual(
    chunks.map((c) => [c.offset, decoder.decode(c.data)]),
    [[6, "world"]],
  );
  assert.deepEqual(seen, [
    {
      instance: "projects/test/instances/i1",
      task: "",
      stream: OutputStream.STDOUT,
      offset: -5n,
      follow: false,
    },
  ]);
});

test("a dropped stream resumes at the next byte, and bytes sent again are not yielded twice", async () => {
  const seen = await scripted([
    { chunks: [[0, "hello "]], then: new ConnectError("connection reset", Code.Unavailable) },
    // The server answers from before the cursor: the client drops what it yielded already.
    { chunks: [[4, "o world"]], then: new ConnectError("reset again", Code.Unavailable) },
    { chunks: [[11, "!"]] },
  ]);
  assert.ok(server);
  const chunks = await collect(server.client.readOutput("i1", { follow: true, retry: FAST }));
  assert.equal(text(chunks), "hello world!");
  assert.deepEqual(
    chunks.map((c) => c.offset),
    [0, 6, 11],
  );
  assert.deepEqual(
    seen.map((s) => s.offset),
    [0n, 6n, 11n],
  );
});

test("NOT_FOUND is thrown at once; failures in a row give up after the policy's attempts", async () => {
  const missing = new ConnectError("no such task", Code.NotFound);
  let seen = await scripted([{ chunks: [], then: missing }]);
  assert.ok(server);
  await assert.rejects(collect(server.client.readOutput("i1", { retry: FAST })), NotFoundError);
  assert.equal(seen.length, 1);
  await server.close();
  const down = new ConnectError("down", Code.Unavailable);
  seen = await scripted([
    { chunks: [], then: down },
    { chunks: [], then: down },
    { chunks: [], then: down },
  ]);
  await assert.rejects(collect(server.client.readOutput("i1", { retry: FAST })), (e) => {
    return e instanceof ApiError && e.codeName === "UNAVAILABLE";
  });
  assert.equal(seen.length, 3);
});

test("an aborted read ends with CANCELLED and is not resumed", async () => {
  let calls = 0;
  server = await startFakeServer({
    async *readTaskOutput(_request, context) {
      calls += 1;
      yield { offset: 0n, data: encoder.encode("first") };
      await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
    },
  });
  const controller = new AbortController();
  const reading = server.client.readOutput("i1", { follow: true, signal: controller.signal });
  const first = await reading.next();
  assert.equal(first.done, false);
  controller.abort();
  await assert.rejects(reading.next(), (e) => e instanceof ApiError && e.codeName === "CANCELLED");
  assert.equal(calls, 1);
});
