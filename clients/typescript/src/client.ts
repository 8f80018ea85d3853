/**
 * The client: connect to a server, then create, get, watch, wait for, read and stop instances (or create
 * one and wait for it in one call: execute).
 *
 * Methods take an instance's resource name ("projects/{project}/instances/{id}") or its bare id, which
 * is looked up in the client's project. Failed calls throw the ApiError subclass of their status code.
 */

import { create } from "@bufbuild/protobuf";
import {
  createClient,
  type Client as ServiceClient,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { duration } from "./duration.js";
import { toApiError } from "./errors.js";
import type { WatchEvent } from "./events.js";
import type { Instance } from "./gen/taskstream/v1/instance_pb.js";
import {
  type CreateInstanceRequest,
  CreateInstanceRequestSchema,
  InstanceService,
  StopInstanceRequestSchema,
  WaitInstanceRequestSchema,
} from "./gen/taskstream/v1/instance_service_pb.js";
import { CancellationReason, TaskSpecSchema } from "./gen/taskstream/v1/task_pb.js";
import { taskResult, type TaskResult } from "./values.js";
import { watchInstance, type WatchOptions } from "./watch.js";

/** The metadata key that names the caller; the server records it as the owner of what it creates. */
export const USER_METADATA = "x-taskstream-user";

/** The longest one WaitInstance call may wait; the server never waits longer. */
const MAX_WAIT_MS = 600_000;
/** How much longer than its server-side timeout a wait call may take before the client gives up on it. */
const WAIT_GRACE_MS = 30_000;
/** The longest the create of execute() waits; WaitInstance long polls go on after it. */
const CREATE_WAIT_MS = 60_000;

/** Options of connect(). */
export interface ClientOptions {
  /** The project instances are created in and bare ids are looked up in; default "default". */
  readonly project?: string;
  /** The caller's name, sent as `x-taskstream-user` metadata; unset lets the server decide. */
  readonly user?: string;
  /** A bearer token, sent as `authorization: Bearer <token>` (servers started with `--auth-file`). */
  readonly token?: string;
  /** Extra interceptors, run on every call (for example to add credentials). */
  readonly interceptors?: readonly Interceptor[];
}

/** Options every call takes. */
export interface CallOptions {
  /** Aborts the call; it then throws an ApiError with code CANCELLED. */
  readonly signal?: AbortSignal;
  /** The call's deadline in milliseconds; past it the call throws a DeadlineExceededError. */
  readonly timeoutMs?: number;
}

/** One task of a new instance. */
export interface TaskInit {
  /** The registered task type, as ListTaskTypes lists it. */
  readonly type: string;
  /** The handler's keyword arguments; encoded as a JSON object. */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** The task's name, unique within the instance; derived from the type when unset. */
  readonly name?: string;
  /** The longest the task may run before it ends TIMED_OUT. */
  readonly timeoutMs?: number;
}

/** What createInstance starts. */
export interface InstanceInit {
  /** The tasks; at least one. */
  readonly tasks: readonly TaskInit[];
  /** From 0 to 9, a smaller number runs first; default 9. */
  readonly priority?: number;
  /** Labels to filter by later. */
  readonly labels?: Readonly<Record<string, string>>;
  /** An idempotency key: a retry with the same key returns the instance the first call created. */
  readonly requestId?: string;
  /** When a task fails, cancel the others (with reason CONSEQUENTIAL). */
  readonly cancelOnTaskFailure?: boolean;
  /** The default timeout of every task; a task's own timeoutMs wins. */
  readonly taskTimeoutMs?: number;
  /**
   * Create the instance SUSPENDED with its tasks held, so that a watch can start before anything runs;
   * ResumeInstance (`client.service.resumeInstance`) starts it. Default false.
   */
  readonly hold?: boolean;
}

/** Options of Client.wait and Client.execute. */
export interface WaitOptions {
  /** Give up waiting after this many milliseconds and return the current state; unset waits forever. */
  readonly timeoutMs?: number;
  /** Aborts the wait; it then throws an ApiError with code CANCELLED. */
  readonly signal?: AbortSignal;
}

/** What Client.wait and Client.execute return. */
export interface WaitResult {
  /** The instance as it was when the wait ended. */
  readonly instance: Instance;
  /** True when it is terminated, false when the timeout passed first. */
  readonly terminated: boolean;
}

/** Options of Client.stop. */
export interface StopOptions extends CallOptions {
  /** Why; default CancellationReason.DIRECT. */
  readonly reason?: CancellationReason;
  /** Free text recorded on every cancelled task. */
  readonly message?: string;
  /** An idempotency key: a retry with the same key returns the first answer. */
  readonly requestId?: string;
  /** How long running tasks may take to stop by themselves before they are killed. */
  readonly gracePeriodMs?: number;
}

/** Connects to a taskstream server at `target` ("host:port", or an http:// or https:// URL). */
export function connect(target: string, options: ClientOptions = {}): Client {
  return new Client(target, options);
}

/** A connection to one taskstream server, in one project. Call close() when done. */
export class Client {
  /** The project of new instances and of bare ids. */
  readonly project: string;
  /** The generated InstanceService client, for every call the helper does not wrap. */
  readonly service: ServiceClient<typeof InstanceService>;
  private readonly sessions: Http2SessionManager;

  constructor(target: string, options: ClientOptions = {}) {
    const baseUrl = /^https?:\/\//.test(target) ? target : `http://${target}`;
    this.project = options.project ?? "default";
    this.sessions = new Http2SessionManager(baseUrl);
    const user = options.user;
    const interceptors: Interceptor[] = [...(options.interceptors ?? [])];
    if (user !== undefined) {
      interceptors.unshift((next) => (request) => {
        request.header.set(USER_METADATA, user);
        return next(request);
      });
    }
    const token = options.token;
    if (token !== undefined) {
      interceptors.unshift((next) => (request) => {
        request.header.set("authorization", `Bearer ${token}`);
        return next(request);
      });
    }
    const transport: Transport = createGrpcTransport({
      baseUrl,
      sessionManager: this.sessions,
      interceptors,
    });
    this.service = createClient(InstanceService, transport);
  }

  /** The resource name of an instance given by name or by id in this client's project. */
  instanceName(nameOrId: string): string {
    return nameOrId.includes("/") ? nameOrId : `projects/${this.project}/instances/${nameOrId}`;
  }

  /** Creates an instance of the tasks and queues them. */
  async createInstance(init: InstanceInit, options: CallOptions = {}): Promise<Instance> {
    const response = await call(() => this.service.createInstance(this.createRequest(init), options));
    return required(response.instance);
  }

  /**
   * Creates an instance of the tasks and waits until it is terminated, or until the timeout passes: as
   * createInstance then wait, but an instance that ends within the create's own wait (at most 60 s) costs
   * one round trip. A server without that wait answers at once, and the wait goes on with long polls.
   *
   * The create is never retried, as a retry could create a second instance: the server stores the instance
   * before its wait begins, so an error thrown once it was sent (an abort, a broken connection) may leave
   * the instance running. With a requestId, calling execute again returns the instance the first created.
   */
  async execute(init: InstanceInit, options: WaitOptions = {}): Promise<WaitResult> {
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    // At least 1 ms, as wait asks: a zero wait_timeout would answer at once.
    const waitMs = Math.max(1, Math.min(deadline - Date.now(), CREATE_WAIT_MS));
    const request = this.createRequest(init);
    request.waitTimeout = duration(waitMs);
    const signal = options.signal ? { signal: options.signal } : {};
    const callOptions = { timeoutMs: waitMs + WAIT_GRACE_MS, ...signal };
    const response = await call(() => this.service.createInstance(request, callOptions));
    const instance = required(response.instance);
    const remaining = deadline - Date.now();
    if (response.terminated || remaining <= 0) {
      return { instance, terminated: response.terminated };
    }
    return this.wait(instance.name, {
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: remaining }),
      ...signal,
    });
  }

  private createRequest(init: InstanceInit): CreateInstanceRequest {
    const request = create(CreateInstanceRequestSchema, {
      parent: `projects/${this.project}`,
      tasks: init.tasks.map(taskSpec),
      labels: { ...init.labels },
      requestId: init.requestId ?? "",
      hold: init.hold ?? false,
      options: {
        cancelOnTaskFailure: init.cancelOnTaskFailure ?? false,
        ...(init.taskTimeoutMs === undefined ? {} : { taskTimeout: duration(init.taskTimeoutMs) }),
      },
    });
    if (init.priority !== undefined) {
      request.priority = init.priority;
    }
    return request;
  }

  /** The instance with its tasks' statuses and progress. */
  async getInstance(nameOrId: string, options: CallOptions = {}): Promise<Instance> {
    const response = await call(() =>
      this.service.getInstance({ name: this.instanceName(nameOrId) }, options),
    );
    return required(response.instance);
  }

  /**
   * Follows an instance: a snapshot, then every change in order, ending after the terminal snapshot.
   * A dropped stream resumes by itself after the last `seq` seen.
   */
  watch(nameOrId: string, options: WatchOptions = {}): AsyncGenerator<WatchEvent, void, undefined> {
    return watchInstance(this.service, this.instanceName(nameOrId), options);
  }

  /** Waits until the instance is terminated, or until the timeout passes (a server-side long poll). */
  async wait(nameOrId: string, options: WaitOptions = {}): Promise<WaitResult> {
    const name = this.instanceName(nameOrId);
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      // At least 1 ms: the server reads a zero timeout as its 60 s default.
      const slice = Math.max(1, Math.min(remaining, MAX_WAIT_MS));
      const request = create(WaitInstanceRequestSchema, { name, timeout: duration(slice) });
      const callOptions = {
        timeoutMs: slice + WAIT_GRACE_MS,
        ...(options.signal ? { signal: options.signal } : {}),
      };
      const response = await call(() => this.service.waitInstance(request, callOptions));
      // Another call only when this one could not wait as long as asked.
      if (response.terminated || remaining <= MAX_WAIT_MS) {
        return { instance: required(response.instance), terminated: response.terminated };
      }
    }
  }

  /** One task's result, output, properties and error; `task` may be omitted when there is one task. */
  async result(nameOrId: string, task = "", options: CallOptions = {}): Promise<TaskResult> {
    const response = await call(() =>
      this.service.getTaskResult({ instance: this.instanceName(nameOrId), task }, options),
    );
    return taskResult(response);
  }

  /** Stops the instance: waiting tasks end CANCELLED at once, running ones after their grace period. */
  async stop(nameOrId: string, options: StopOptions = {}): Promise<Instance> {
    const request = create(StopInstanceRequestSchema, {
      name: this.instanceName(nameOrId),
      reason: options.reason ?? CancellationReason.DIRECT,
      message: options.message ?? "",
      requestId: options.requestId ?? "",
    });
    if (options.gracePeriodMs !== undefined) {
      request.gracePeriod = duration(options.gracePeriodMs);
    }
    const response = await call(() => this.service.stopInstance(request, options));
    return required(response.instance);
  }

  /** Closes the connection; calls still running fail. */
  close(): void {
    this.sessions.abort();
  }
}

function taskSpec(task: TaskInit) {
  return create(TaskSpecSchema, {
    type: task.type,
    name: task.name ?? "",
    parametersJson: task.parameters === undefined ? "" : JSON.stringify(task.parameters),
    ...(task.timeoutMs === undefined ? {} : { timeout: duration(task.timeoutMs) }),
  });
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toApiError(error);
  }
}

function required(instance: Instance | undefined): Instance {
  if (instance === undefined) {
    throw new TypeError("the server's response carries no instance");
  }
  return instance;
}
