/**
 * Client.resultRows against a scripted server: the columns, typed cells (integers as numbers when safe)
 * and every page fetched while iterating.
 */

import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { ColumnType, FailedPreconditionError, type ResultRow } from "../src/index.js";
import { ErrorInfoSchema } from "../src/gen/google/rpc/error_details_pb.js";
import { startFakeServer, type FakeServer } from "./support/fake-server.js";

let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const COLUMNS = [
  { name: "n", type: ColumnType.INTEGER },
  { name: "name", type: ColumnType.STRING },
  { name: "x", type: ColumnType.DOUBLE },
  { name: "ok", type: ColumnType.BOOLEAN },
];

const BIG = BigInt(Number.MAX_SAFE_INTEGER) + 2n;

test("columns first, then every row of every page as typed values, NULL as null", async () => {
  const requests: [string, string, number, string][] = [];
  server = await startFakeServer({
    listTaskResultRows(request) {
      requests.push([request.instance, request.task, request.pageSize, request.pageToken]);
      if (request.pageToken === "") {
        return {
          columns: COLUMNS,
          rows: [
            {
              cells: [
                { kind: { case: "intValue", value: 1n } },
                { kind: { case: "stringValue", value: "Iris-setosa" } },
                { kind: { case: "doubleValue", value: 5.1 } },
                { kind: { case: "boolValue", value: true } },
              ],
            },
            { cells: [{}, {}, {}, {}] },
          ],
          nextPageToken: "p2",
        };
      }
      return {
        columns: COLUMNS,
        rows: [{ cells: [{ kind: { case: "intValue", value: BIG } }, {}, {}, {}] }],
      };
    },
  });
  const rows = await server.client.resultRows("i1", { task: "AnonymousSQLTask", pageSize: 2 });
  assert.deepEqual(rows.columns, COLUMNS);
  assert.equal(requests.length, 1, "the columns come with the first page");
  const read: ResultRow[] = [];
  for await (const row of rows) {
    read.push(row);
  }
  assert.deepEqual(read, [
    [1, "Iris-setosa", 5.1, true],
    [null, null, null, null],
    [BIG, null, null, null],
  ]);
  assert.equal(JSON.stringify(read[0]), '[1,"Iris-setosa",5.1,true]');
  const again: ResultRow[] = [];
  for await (const row of rows) {
    again.push(row);
  }
  assert.deepEqual(again, read);
  const name = "projects/test/instances/i1";
  assert.deepEqual(requests, [
    [name, "AnonymousSQLTask", 2, ""],
    [name, "AnonymousSQLTask", 2, "p2"],
    [name, "AnonymousSQLTask", 2, "p2"],
  ]);
});

test("a result that is not a table is a FailedPreconditionError; a bad page size a RangeError", async () => {
  let calls = 0;
  server = await startFakeServer({
    listTaskResultRows() {
      calls += 1;
      throw new ConnectError("the result is not a table", Code.FailedPrecondition, undefined, [
        { desc: ErrorInfoSchema, value: { reason: "RESULT_NOT_TABULAR", domain: "taskstream.dev" } },
      ]);
    },
  });
  await assert.rejects(
    server.client.resultRows("i1"),
    (e) => e instanceof FailedPreconditionError && e.reason === "RESULT_NOT_TABULAR",
  );
  await assert.rejects(server.client.resultRows("i1", { pageSize: 1.5 }), RangeError);
  assert.equal(calls, 1);
});
