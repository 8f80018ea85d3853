/**
 * What every unary call of the helper shares: errors become the ApiError of their code, and a response
 * field the server must set is checked once here.
 */

import { toApiError } from "./errors.js";

/** Runs one call; whatever it throws is rethrown as the TaskstreamError for it. */
export async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toApiError(error);
  }
}

/** A message field the server always sets; a TypeError names it when a response lacks it. */
export function required<T>(value: T | undefined, what = "instance"): T {
  if (value === undefined) {
    throw new TypeError(`the server's response carries no ${what}`);
  }
  return value;
}
