/**
 * Facts about statuses that callers ask often.
 */

import { TaskStatus } from "./gen/taskstream/v1/task_pb.js";

const TERMINAL = new Set<TaskStatus>([
  TaskStatus.SUCCESS,
  TaskStatus.FAILED,
  TaskStatus.ENVIRONMENT_ERROR,
  TaskStatus.CANCELLED,
  TaskStatus.TIMED_OUT,
]);

/** True for the statuses a task never leaves: SUCCESS, FAILED, ENVIRONMENT_ERROR, CANCELLED, TIMED_OUT. */
export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL.has(status);
}
