/**
 * How a task is scheduled beyond its type and parameters: a retry policy for attempts that fail, the
 * tasks it waits for, and a concurrency limit it shares.
 */

import { create } from "@bufbuild/protobuf";
import { duration } from "./duration.js";
import {
  type RetryPolicy as RetryPolicyMessage,
  RetryPolicySchema,
  type TaskDependency,
  TaskDependencySchema,
} from "./gen/taskstream/v1/task_pb.js";

/**
 * Retries a task whose attempt ended FAILED, ENVIRONMENT_ERROR or TIMED_OUT, after a backoff: the n-th
 * retry waits `initialBackoffMs * backoffMultiplier^(n-1)`, at most `maxBackoffMs`, less a random share of
 * at most `jitter` of it. Meanwhile the task is WAITING with reason BACKOFF, and each retried attempt
 * stays in its attempt history (TaskResult.attemptHistory). A cancelled task is never retried. (A
 * RetryPolicy, by contrast, is how a watch of this client resumes.)
 *
 * The server checks the policy: a bad one rejects with InvalidArgumentError naming the field
 * (`tasks[0].retry_policy.max_attempts` …).
 */
export interface TaskRetryPolicy {
  /** How many attempts the task may have in all, from 1 (no retry) to 1000. */
  readonly maxAttempts: number;
  /** The wait before the first retry; unset means one second. */
  readonly initialBackoffMs?: number;
  /** What the wait grows by after each retry, at least 1; unset means 2. */
  readonly backoffMultiplier?: number;
  /** The longest wait; unset means 100 times the initial backoff. */
  readonly maxBackoffMs?: number;
  /** The share of each wait, from 0 to 1, that a random amount up to it is taken off; unset means 0. */
  readonly jitter?: number;
  /** Error types (TaskError.type, or its last dotted part such as "ValueError") never retried. */
  readonly nonRetryableErrorTypes?: readonly string[];
}

/** A task of the same instance that a task waits for (TaskInit.dependsOn). */
export interface Dependency {
  /** The name of the task depended on. */
  readonly task: string;
  /**
   * Start the dependent however the dependency ends; otherwise (the default) a dependency that does not
   * succeed cancels the dependent with reason CONSEQUENTIAL.
   */
  readonly allowFailure?: boolean;
}

/** The RetryPolicy message of a policy. */
export function retryPolicyMessage(policy: TaskRetryPolicy): RetryPolicyMessage {
  return create(RetryPolicySchema, {
    maxAttempts: policy.maxAttempts,
    backoffMultiplier: policy.backoffMultiplier ?? 0,
    jitter: policy.jitter ?? 0,
    nonRetryableErrorTypes: [...(policy.nonRetryableErrorTypes ?? [])],
    ...(policy.initialBackoffMs === undefined ? {} : { initialBackoff: duration(policy.initialBackoffMs) }),
    ...(policy.maxBackoffMs === undefined ? {} : { maxBackoff: duration(policy.maxBackoffMs) }),
  });
}

/** The TaskDependency message of a task name or a Dependency. */
export function dependencyMessage(dependency: string | Dependency): TaskDependency {
  return typeof dependency === "string"
    ? create(TaskDependencySchema, { task: dependency })
    : create(TaskDependencySchema, {
        task: dependency.task,
        allowFailure: dependency.allowFailure ?? false,
      });
}
