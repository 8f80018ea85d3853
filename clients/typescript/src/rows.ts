/**
 * A task's tabular result (a SQL select) as typed rows, read a page at a time (ListTaskResultRows) while
 * the caller iterates.
 */

import { clone, create } from "@bufbuild/protobuf";
import type { Client as ServiceClient } from "@connectrpc/connect";
import {
  type ColumnType,
  type InstanceService,
  type ListTaskResultRowsRequest,
  ListTaskResultRowsRequestSchema,
  type ListTaskResultRowsResponse,
  type ResultCell,
} from "./gen/taskstream/v1/instance_service_pb.js";
import { call } from "./rpc.js";
import { int64 } from "./values.js";

/** Options of Client.resultRows. */
export interface ResultRowsOptions {
  /** The task's name; may be omitted when the instance has one task. */
  readonly task?: string;
  /** Rows per call, 1 to 10000; unset lets the server choose (1000). */
  readonly pageSize?: number;
  /** Aborts the call in progress; it then throws an ApiError with code CANCELLED. */
  readonly signal?: AbortSignal;
}

/** One column of a tabular result. */
export interface ResultColumn {
  /** Its name, as in the CSV header. */
  readonly name: string;
  /** Its type, as the column's values showed it; UNSPECIFIED when no value did (every one NULL). */
  readonly type: ColumnType;
}

/**
 * One cell: a string, a number (a DOUBLE, or an INTEGER that is a safe integer), a bigint (an INTEGER
 * beyond Number.MAX_SAFE_INTEGER), a boolean, or null for SQL NULL.
 */
export type ResultValue = string | number | bigint | boolean | null;

/** One row: a cell per column, in column order. */
export type ResultRow = readonly ResultValue[];

/** A tabular result: its columns, and its rows as an async iterable that fetches each page itself. */
export interface ResultRows extends AsyncIterable<ResultRow> {
  readonly columns: readonly ResultColumn[];
}

type Page = (request: ListTaskResultRowsRequest) => Promise<ListTaskResultRowsResponse>;

/** Reads the first page (for the columns) and returns the rows to iterate. */
export async function openResultRows(
  service: ServiceClient<typeof InstanceService>,
  instance: string,
  options: ResultRowsOptions,
): Promise<ResultRows> {
  const { pageSize } = options;
  if (pageSize !== undefined && !(Number.isSafeInteger(pageSize) && pageSize > 0)) {
    throw new RangeError(`pageSize must be a positive integer, not ${pageSize}`);
  }
  const request = create(ListTaskResultRowsRequestSchema, {
    instance,
    task: options.task ?? "",
    pageSize: pageSize ?? 0,
  });
  const callOptions = options.signal ? { signal: options.signal } : {};
  const page: Page = (r) => call(() => service.listTaskResultRows(r, callOptions));
  const first = await page(request);
  return new Rows(page, request, first);
}

class Rows implements ResultRows {
  readonly columns: readonly ResultColumn[];

  constructor(
    private readonly page: Page,
    private readonly request: ListTaskResultRowsRequest,
    private readonly first: ListTaskResultRowsResponse,
  ) {
    this.columns = first.columns.map(({ name, type }) => ({ name, type }));
  }

  /** Each iteration reads every row from the first; the first page is fetched once, the rest each time. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ResultRow, void, undefined> {
    const request = clone(ListTaskResultRowsRequestSchema, this.request);
    let response = this.first;
    for (;;) {
      for (const row of response.rows) {
        yield row.cells.map(cellValue);
      }
      if (!response.nextPageToken) {
        return;
      }
      request.pageToken = response.nextPageToken;
      response = await this.page(request);
    }
  }
}

/** The value of a cell; null for NULL (and for a kind this client does not know). */
export function cellValue(cell: ResultCell): ResultValue {
  switch (cell.kind.case) {
    case "intValue":
      return int64(cell.kind.value);
    case "stringValue":
    case "doubleValue":
    case "boolValue":
      return cell.kind.value;
    default:
      return null;
  }
}
