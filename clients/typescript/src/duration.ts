/**
 * Milliseconds as google.protobuf.Duration.
 */

import { durationFromMs, type Duration } from "@bufbuild/protobuf/wkt";

/** A Duration of `ms` milliseconds, rounded up to a whole millisecond (a Duration's nanos are integers). */
export function duration(ms: number): Duration {
  return durationFromMs(Math.ceil(ms));
}
