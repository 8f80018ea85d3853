/**
 * What createSchedule takes: when a schedule fires, what each of its instances is made of, and how it
 * behaves when firings overlap or come late.
 */

import type { InstanceInit } from "./client.js";
import type { OverlapPolicy } from "./gen/taskstream/v1/schedule_pb.js";

/**
 * When a schedule fires: at the times of a five-field cron expression ("0 2 * * *"; @hourly, @daily,
 * @weekly, @monthly and @yearly too) on the wall clock of an IANA time zone (default UTC), or every
 * `intervalMs` milliseconds counted from its creation (1 s to 366 days). Exactly one of the two.
 */
export type ScheduleTiming =
  | { readonly cron: string; readonly timeZone?: string; readonly intervalMs?: never }
  | { readonly intervalMs: number; readonly cron?: never; readonly timeZone?: never };

/**
 * What createSchedule creates: its timing, and the tasks and options of each instance it starts (those
 * of createInstance, less `hold` and `startTime`, which belong to one create).
 */
export type ScheduleInit = ScheduleTiming &
  Omit<InstanceInit, "hold" | "startTime" | "requestId"> & {
    /**
     * What a firing does while an instance the schedule started still runs: SKIP (the default) starts
     * nothing, ALLOW starts another one, CANCEL_PREVIOUS stops the running ones first. A trigger applies
     * it too.
     */
    readonly overlap?: OverlapPolicy;
    /**
     * How late a fire time may still fire when the server comes back after it passed (10 s to 7 days;
     * default one hour); older ones are missed (`schedule.missCount`).
     */
    readonly catchUpWindowMs?: number;
    /** Create it paused: it fires nothing until `client.resumeSchedule`. Default false. */
    readonly paused?: boolean;
    /**
     * An idempotency key of the schedule's create: a retry with the same key (and the same request)
     * resolves with the schedule the first call created instead of rejecting with AlreadyExistsError.
     */
    readonly requestId?: string;
  };

/** Options of Client.listSchedules. */
export interface ListSchedulesOptions {
  /** Schedules per call, 1 to 1000; unset lets the server choose (50). */
  readonly pageSize?: number;
  /** Aborts the call in progress; the iteration then throws an ApiError with code CANCELLED. */
  readonly signal?: AbortSignal;
}
