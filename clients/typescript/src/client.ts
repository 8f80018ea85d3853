/**
 * The client: connect to a server, then create, list, get, watch, wait for, suspend, resume, stop and
 * delete instances, cancel one task, keep an instance bound to this caller, read their tasks' results,
 * output and typed SQL rows, list a workflow's sub-instances, and ask for Logview addresses and the task
 * types the workers offer; and create, list, get, pause, resume, trigger and delete schedules.
 *
 * Methods take an instance's resource name ("projects/{project}/instances/{id}") or its bare id, which
 * is looked up in the client's project. Failed calls throw the ApiError subclass of their status code; a
 * wait whose timeout passes throws WaitTimeoutError, and a wait for success (waitForSuccess, execute)
 * throws InstanceFailedError for an instance that ended unsuccessfully.
 */

import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  createClient,
  type Client as ServiceClient,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { duration } from "./duration.js";
import { WaitTimeoutError } from "./errors.js";
import type { WatchEvent } from "./events.js";
import type { Instance, InstanceStatus, TaskType } from "./gen/taskstream/v1/instance_pb.js";
import {
  CancelTaskRequestSchema,
  type CreateInstanceRequest,
  CreateInstanceRequestSchema,
  GetLogviewAddressRequestSchema,
  InstanceService,
  ListInstancesRequestSchema,
  ListSubInstancesRequestSchema,
  StopInstanceRequestSchema,
} from "./gen/taskstream/v1/instance_service_pb.js";
import { OverlapPolicy, type Schedule } from "./gen/taskstream/v1/schedule_pb.js";
import {
  type CreateScheduleRequest,
  CreateScheduleRequestSchema,
  ListSchedulesRequestSchema,
  ScheduleService,
} from "./gen/taskstream/v1/schedule_service_pb.js";
import { CancellationReason, TaskSpecSchema } from "./gen/taskstream/v1/task_pb.js";
import { readOutput, type OutputChunk, type ReadOutputOptions } from "./output.js";
import type { RetryPolicy } from "./retry.js";
import { watchProject, type ProjectEvent, type WatchInstancesOptions } from "./project-watch.js";
import { call, required } from "./rpc.js";
import { openResultRows, type ResultRows, type ResultRowsOptions } from "./rows.js";
import type { ListSchedulesOptions, ScheduleInit } from "./schedules.js";
import {
  dependencyMessage,
  retryPolicyMessage,
  type Dependency,
  type TaskRetryPolicy,
} from "./scheduling.js";
import { taskResult, type TaskResult } from "./values.js";
import {
  Deadline,
  successful,
  waitInstance,
  waitInstances,
  WAIT_GRACE_MS,
  type WaitInstancesOptions,
  type WaitOptions,
} from "./waiting.js";
import { watchInstance, type WatchOptions } from "./watch.js";

/** The metadata key that names the caller; the server records it as the owner of what it creates. */
export const USER_METADATA = "x-taskstream-user";

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
  /** Retries an attempt that fails; unset means the instance's `retry`, and without that no retry. */
  readonly retry?: TaskRetryPolicy;
  /**
   * Tasks of the same instance (by name) that must end before this one starts; until then it waits with
   * reason DEPENDENCY. One that does not succeed cancels this task (reason CONSEQUENTIAL), unless given
   * as a Dependency with `allowFailure`.
   */
  readonly dependsOn?: readonly (string | Dependency)[];
  /**
   * At most `concurrencyLimit` tasks sharing this key run at once, across instances and projects; the
   * others wait with reason CONCURRENCY_LIMIT.
   */
  readonly concurrencyKey?: string;
  /** The limit of `concurrencyKey`, 1 or more; required with a key. */
  readonly concurrencyLimit?: number;
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
   * `client.resume` starts it. Default false.
   */
  readonly hold?: boolean;
  /** The retry policy of every task that has none of its own. */
  readonly retry?: TaskRetryPolicy;
  /**
   * Start the tasks no earlier than this: until then they wait with reason SCHEDULED (also across server
   * restarts). A time that passed starts them at once.
   */
  readonly startTime?: Date;
  /**
   * Delete the instance this long after it terminated, leaving a tombstone (`instance.expireTime` says
   * when); unset means the server's `--retention`.
   */
  readonly retentionMs?: number;
  /**
   * Bind the instance to this caller (STK's cancel_on_client_disconnection): once no watch of it has been
   * open for the grace period, the server stops it with reason CLIENT_DISCONNECTED. Keep a watch open for
   * as long as it should run: `client.keepBound`, or any `client.watch`. Default false.
   */
  readonly cancelOnClientDisconnection?: boolean;
  /** The grace period of `cancelOnClientDisconnection`; unset means 30 s. */
  readonly clientDisconnectGraceMs?: number;
}

/** Options of Client.listInstances. */
export interface ListInstancesOptions {
  /** Only instances in one of these statuses; unset or empty means any. */
  readonly statuses?: readonly InstanceStatus[];
  /** Only instances created by this principal. */
  readonly owner?: string;
  /** Only instances created at or after this time. */
  readonly createTimeStart?: Date;
  /** Only instances created before this time. */
  readonly createTimeEnd?: Date;
  /** Only instances carrying every one of these labels with that value. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Instances per call, 1 to 1000; unset lets the server choose (50). */
  readonly pageSize?: number;
  /** Aborts the call in progress; the iteration then throws an ApiError with code CANCELLED. */
  readonly signal?: AbortSignal;
}

/** Options of Client.subInstances. */
export interface SubInstancesOptions {
  /** Sub-instances per call, 1 to 1000; unset lets the server choose (100). */
  readonly pageSize?: number;
  /** Aborts the call in progress; the iteration then throws an ApiError with code CANCELLED. */
  readonly signal?: AbortSignal;
}

/** An instance a workflow (PyODPS's XFlow) started. */
export interface SubInstance {
  /** Its name within the workflow, such as "AppendID". */
  readonly name: string;
  /** The workflow task that started it. */
  readonly taskName: string;
  /** The sub-instance, with its tasks. */
  readonly instance: Instance;
  /** True when it is itself a workflow. */
  readonly workflow: boolean;
}

/** Options of Client.logviewAddress. */
export interface LogviewOptions extends CallOptions {
  /** How many hours the address grants read access to the instance, 1 and up; unset means 720. */
  readonly hours?: number;
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

/** Options of Client.cancelTask. */
export interface CancelTaskOptions extends CallOptions {
  /** Why; default CancellationReason.DIRECT. */
  readonly reason?: CancellationReason;
  /** Free text recorded on the task. */
  readonly message?: string;
  /** How long a running task may take to stop by itself before it is killed; unset means 5 s. */
  readonly gracePeriodMs?: number;
}

/** Options of Client.keepBound. */
export interface KeepBoundOptions {
  /** How the watch resumes after a drop; make it patient enough to ride out outages shorter than the grace. */
  readonly retry?: RetryPolicy;
  /** Lets the instance go: the watch ends, and keepBound rejects with an ApiError with code CANCELLED. */
  readonly signal?: AbortSignal;
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
  /** The generated ScheduleService client, for every call the helper does not wrap. */
  readonly scheduleService: ServiceClient<typeof ScheduleService>;
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
    this.scheduleService = createClient(ScheduleService, transport);
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
   * Creates an instance of the tasks and waits for its success, as PyODPS's execute_sql: as
   * createInstance then waitForSuccess, but an instance that ends within the create's own wait (at most
   * 60 s) costs one round trip. A server without that wait answers at once, and long polls go on.
   *
   * Resolves with the successful instance. Rejects with InstanceFailedError (carrying the instance and
   * its first unsuccessful task with status and error) when it ends otherwise, and with WaitTimeoutError
   * (carrying the instance, which runs on) when `timeoutMs` passes first.
   *
   * The create is never retried, as a retry could create a second instance: the server stores the instance
   * before its wait begins, so an error thrown once it was sent (an abort, a broken connection) may leave
   * the instance running. With a requestId, calling execute again returns the instance the first created.
   */
  async execute(init: InstanceInit, options: WaitOptions = {}): Promise<Instance> {
    const deadline = new Deadline(options.timeoutMs);
    const slice = deadline.next(CREATE_WAIT_MS);
    const request = this.createRequest(init);
    request.waitTimeout = duration(slice.ms);
    const signal = options.signal ? { signal: options.signal } : {};
    const callOptions = { timeoutMs: slice.ms + WAIT_GRACE_MS, ...signal };
    const response = await call(() => this.service.createInstance(request, callOptions));
    const instance = required(response.instance);
    if (response.terminated) {
      return successful(instance);
    }
    // Measured, not assumed from the wait asked for: a server without wait_timeout answers at once.
    if (deadline.remaining() <= 0) {
      throw new WaitTimeoutError([instance.name], [instance], deadline.timeoutMs ?? 0);
    }
    return successful(await waitInstance(this.service, instance.name, deadline, options));
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
        cancelOnClientDisconnection: init.cancelOnClientDisconnection ?? false,
        ...(init.taskTimeoutMs === undefined ? {} : { taskTimeout: duration(init.taskTimeoutMs) }),
        ...(init.retry === undefined ? {} : { retryPolicy: retryPolicyMessage(init.retry) }),
        ...(init.retentionMs === undefined ? {} : { retention: duration(init.retentionMs) }),
        ...(init.clientDisconnectGraceMs === undefined
          ? {}
          : { clientDisconnectGrace: duration(init.clientDisconnectGraceMs) }),
      },
    });
    if (init.priority !== undefined) {
      request.priority = init.priority;
    }
    if (init.startTime !== undefined) {
      request.startTime = timestampFromDate(init.startTime);
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

  /**
   * Follows every instance of the client's project that the options choose, as a Kubernetes watch
   * follows a collection: a projectSnapshot of the instances that match (newest first), then
   * instanceCreated, instanceStatusUpdated and instanceDeleted events in the project's order. It never
   * ends by itself: break out of the loop, or abort `signal`. A dropped stream resumes by itself after
   * the last project `seq` seen (on any replica, after restarts), without a gap or a duplicate.
   */
  watchInstances(options: WatchInstancesOptions = {}): AsyncGenerator<ProjectEvent, void, undefined> {
    return watchProject(this.service, this.project, options);
  }

  /**
   * Waits until the instance is terminated and resolves with it, successful or not (PyODPS's
   * wait_for_completion); a server-side long poll, never a polling loop. Rejects with WaitTimeoutError,
   * which carries the instance as last seen, when `timeoutMs` passes first.
   */
  async wait(nameOrId: string, options: WaitOptions = {}): Promise<Instance> {
    const deadline = new Deadline(options.timeoutMs);
    return waitInstance(this.service, this.instanceName(nameOrId), deadline, options);
  }

  /**
   * As wait, but resolves only with a successful instance (PyODPS's wait_for_success): one that ends
   * otherwise rejects with InstanceFailedError, naming its first task that did not succeed.
   */
  async waitForSuccess(nameOrId: string, options: WaitOptions = {}): Promise<Instance> {
    return successful(await this.wait(nameOrId, options));
  }

  /**
   * Waits until every one (mode "all", the default) or any one (mode "any") of the instances is
   * terminated, and resolves with them all as they are then, in the order given (an unsuccessful one is
   * not an error). Rejects with WaitTimeoutError, naming the instances still running and carrying them
   * all as last seen, when `timeoutMs` passes first. An empty list resolves at once.
   */
  async waitInstances(
    namesOrIds: readonly string[],
    options: WaitInstancesOptions = {},
  ): Promise<Instance[]> {
    const names = namesOrIds.map((nameOrId) => this.instanceName(nameOrId));
    return waitInstances(this.service, names, options);
  }

  /**
   * The project's instances, newest first, that match every filter given. The iteration fetches each
   * page itself when it gets there; breaking out of it fetches no more.
   */
  async *listInstances(options: ListInstancesOptions = {}): AsyncGenerator<Instance, void, undefined> {
    const request = create(ListInstancesRequestSchema, {
      parent: `projects/${this.project}`,
      pageSize: pageSize(options.pageSize),
      statuses: [...(options.statuses ?? [])],
      owner: options.owner ?? "",
      labels: { ...options.labels },
      ...(options.createTimeStart ? { createTimeStart: timestampFromDate(options.createTimeStart) } : {}),
      ...(options.createTimeEnd ? { createTimeEnd: timestampFromDate(options.createTimeEnd) } : {}),
    });
    const callOptions = options.signal ? { signal: options.signal } : {};
    for (;;) {
      const response = await call(() => this.service.listInstances(request, callOptions));
      yield* response.instances;
      if (!response.nextPageToken) {
        return;
      }
      request.pageToken = response.nextPageToken;
    }
  }

  /** Suspends a running instance: waiting tasks are held, running ones paused. */
  async suspend(nameOrId: string, options: CallOptions = {}): Promise<Instance> {
    const name = this.instanceName(nameOrId);
    const response = await call(() => this.service.suspendInstance({ name }, options));
    return required(response.instance);
  }

  /** Resumes a suspended instance, such as one created with `hold`. */
  async resume(nameOrId: string, options: CallOptions = {}): Promise<Instance> {
    const name = this.instanceName(nameOrId);
    const response = await call(() => this.service.resumeInstance({ name }, options));
    return required(response.instance);
  }

  /**
   * A task's stdout or stderr as chunks of bytes: from `offset` (a negative one counts back from the
   * end), to the end of what was written, or with `follow` to the task's last byte. A dropped stream
   * resumes by itself at the next byte.
   */
  readOutput(
    nameOrId: string,
    options: ReadOutputOptions = {},
  ): AsyncGenerator<OutputChunk, void, undefined> {
    return readOutput(this.service, this.instanceName(nameOrId), options);
  }

  /**
   * A task's tabular result (a SQL select) as typed rows: resolves after the first page with the
   * columns; iterating it yields every row, fetching later pages as it goes. Rejects with a
   * FailedPreconditionError (reason RESULT_NOT_TABULAR) unless the task succeeded with such a result.
   */
  async resultRows(nameOrId: string, options: ResultRowsOptions = {}): Promise<ResultRows> {
    return openResultRows(this.service, this.instanceName(nameOrId), options);
  }

  /**
   * The instances a workflow started (PyODPS's get_xflow_sub_instances), in the order they were created,
   * every page of them; a nested workflow is listed as one sub-instance with `workflow` true.
   */
  async *subInstances(
    nameOrId: string,
    options: SubInstancesOptions = {},
  ): AsyncGenerator<SubInstance, void, undefined> {
    const request = create(ListSubInstancesRequestSchema, {
      parent: this.instanceName(nameOrId),
      pageSize: pageSize(options.pageSize),
    });
    const callOptions = options.signal ? { signal: options.signal } : {};
    for (;;) {
      const response = await call(() => this.service.listSubInstances(request, callOptions));
      for (const sub of response.subInstances) {
        const instance = required(sub.instance);
        yield { name: sub.name, taskName: sub.task, instance, workflow: sub.workflow };
      }
      if (!response.nextPageToken) {
        return;
      }
      request.pageToken = response.nextPageToken;
    }
  }

  /**
   * The address of the instance's Logview page: a URL whose token grants read access to this one
   * instance for `hours` (default 720).
   */
  async logviewAddress(nameOrId: string, options: LogviewOptions = {}): Promise<string> {
    const request = create(GetLogviewAddressRequestSchema, { name: this.instanceName(nameOrId) });
    if (options.hours !== undefined) {
      request.hours = options.hours;
    }
    const response = await call(() => this.service.getLogviewAddress(request, options));
    return response.url;
  }

  /** The task types the connected workers can run, sorted by name, with how many workers offer each. */
  async taskTypes(options: CallOptions = {}): Promise<TaskType[]> {
    const response = await call(() => this.service.listTaskTypes({}, options));
    return response.taskTypes;
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

  /**
   * Cancels one task of the instance (STK's cancel_task); the other tasks run on. One that has not
   * started ends CANCELLED at once, a running one sees the cancellation and gets a grace period; its
   * dependents that do not allow its failure end CANCELLED with reason CONSEQUENTIAL. Resolves with the
   * instance right after the cancellation, when the task may still be CANCELLING. Rejects with
   * NotFoundError for an unknown instance or task, FailedPreconditionError (reason TASK_TERMINATED) when
   * the task already ended.
   */
  async cancelTask(nameOrId: string, task: string, options: CancelTaskOptions = {}): Promise<Instance> {
    if (task === "") {
      throw new RangeError("cancelTask needs the task's name");
    }
    const request = create(CancelTaskRequestSchema, {
      name: `${this.instanceName(nameOrId)}/tasks/${task}`,
      reason: options.reason ?? CancellationReason.DIRECT,
      message: options.message ?? "",
    });
    if (options.gracePeriodMs !== undefined) {
      request.gracePeriod = duration(options.gracePeriodMs);
    }
    const response = await call(() => this.service.cancelTask(request, options));
    return required(response.instance);
  }

  /**
   * Deletes a terminated instance with its tasks, events, output and results, leaving a tombstone:
   * reading it then rejects with NotFoundError, reason INSTANCE_DELETED. Rejects with
   * FailedPreconditionError (reason INSTANCE_NOT_TERMINATED) while it runs.
   */
  async deleteInstance(nameOrId: string, options: CallOptions = {}): Promise<void> {
    const name = this.instanceName(nameOrId);
    await call(() => this.service.deleteInstance({ name }, options));
  }

  /**
   * Keeps an instance created with `cancelOnClientDisconnection` bound to this caller: holds a watch of
   * it open, resuming a dropped stream, until it terminates, and resolves with the terminated instance.
   * Aborting `signal` lets the instance go (the server stops it after its grace period).
   */
  async keepBound(nameOrId: string, options: KeepBoundOptions = {}): Promise<Instance> {
    let last: Instance | undefined;
    for await (const event of this.watch(nameOrId, options)) {
      if (event.type === "snapshot") {
        last = event.instance;
      }
    }
    return required(last);
  }

  /** The resource name of a schedule given by name or by id in this client's project. */
  scheduleName(nameOrId: string): string {
    return nameOrId.includes("/") ? nameOrId : `projects/${this.project}/schedules/${nameOrId}`;
  }

  /**
   * Creates schedule `id` (1 to 63 of a-z 0-9 and "-", a letter first) in the client's project: an
   * instance of `init.tasks`, with createInstance's options, starts at the times of `init.cron` or every
   * `init.intervalMs`. Each instance runs as this client's user, names the schedule (`instance.schedule`)
   * and carries the labels "taskstream.schedule" (the schedule's id) and, when a fire time started it,
   * "taskstream.fire_time". Resolves with the schedule and its first fire time. Rejects with
   * AlreadyExistsError when the project has a schedule of that id, InvalidArgumentError naming the bad
   * field (`schedule.cron.expression` …), and with RangeError, before any call, for a timing that is not
   * exactly one of the two.
   */
  async createSchedule(id: string, init: ScheduleInit, options: CallOptions = {}): Promise<Schedule> {
    const request = this.createScheduleRequest(id, init);
    const response = await call(() => this.scheduleService.createSchedule(request, options));
    return required(response.schedule, "schedule");
  }

  private createScheduleRequest(id: string, init: ScheduleInit): CreateScheduleRequest {
    const { cron, timeZone, intervalMs, overlap, catchUpWindowMs, paused, requestId, ...instance } = init;
    if ((cron === undefined) === (intervalMs === undefined)) {
      throw new RangeError("a schedule needs exactly one of cron and intervalMs");
    }
    if (intervalMs !== undefined && !(Number.isFinite(intervalMs) && intervalMs > 0)) {
      throw new RangeError(`intervalMs must be a positive number, not ${intervalMs}`);
    }
    if (timeZone !== undefined && cron === undefined) {
      throw new RangeError("timeZone goes with cron");
    }
    // The template is what createInstance would send for the same tasks and options; a caller without
    // the types may still pass what belongs to one create only.
    const made = this.createRequest(instance);
    if (made.hold || made.startTime !== undefined) {
      throw new RangeError("hold and startTime do not apply to a schedule's instances");
    }
    return create(CreateScheduleRequestSchema, {
      parent: `projects/${this.project}`,
      scheduleId: id,
      requestId: requestId ?? "",
      schedule: {
        timing:
          cron === undefined
            ? { case: "interval", value: duration(intervalMs ?? 0) }
            : { case: "cron", value: { expression: cron, timeZone: timeZone ?? "" } },
        instanceTemplate: {
          tasks: made.tasks,
          labels: made.labels,
          ...(made.options === undefined ? {} : { options: made.options }),
          ...(made.priority === undefined ? {} : { priority: made.priority }),
        },
        overlapPolicy: overlap ?? OverlapPolicy.UNSPECIFIED,
        paused: paused ?? false,
        ...(catchUpWindowMs === undefined ? {} : { catchUpWindow: duration(catchUpWindowMs) }),
      },
    });
  }

  /**
   * The schedule with its next and last fire times and counts. Rejects with NotFoundError when it does
   * not exist. An instance's `schedule` names its schedule as this takes it.
   */
  async getSchedule(nameOrId: string, options: CallOptions = {}): Promise<Schedule> {
    const name = this.scheduleName(nameOrId);
    const response = await call(() => this.scheduleService.getSchedule({ name }, options));
    return required(response.schedule, "schedule");
  }

  /**
   * The project's schedules by id. The iteration fetches each page itself when it gets there; breaking
   * out of it fetches no more.
   */
  async *listSchedules(options: ListSchedulesOptions = {}): AsyncGenerator<Schedule, void, undefined> {
    const request = create(ListSchedulesRequestSchema, {
      parent: `projects/${this.project}`,
      pageSize: pageSize(options.pageSize),
    });
    const callOptions = options.signal ? { signal: options.signal } : {};
    for (;;) {
      const response = await call(() => this.scheduleService.listSchedules(request, callOptions));
      yield* response.schedules;
      if (!response.nextPageToken) {
        return;
      }
      request.pageToken = response.nextPageToken;
    }
  }

  /**
   * Pauses the schedule: it fires nothing, and has no next fire time, until resumed (triggerSchedule
   * still starts an instance). Pausing a paused schedule changes nothing.
   */
  async pauseSchedule(nameOrId: string, options: CallOptions = {}): Promise<Schedule> {
    const name = this.scheduleName(nameOrId);
    const response = await call(() => this.scheduleService.pauseSchedule({ name }, options));
    return required(response.schedule, "schedule");
  }

  /**
   * Resumes a paused schedule from now on: fire times that passed while it was paused are not caught
   * up. Resuming a running schedule changes nothing.
   */
  async resumeSchedule(nameOrId: string, options: CallOptions = {}): Promise<Schedule> {
    const name = this.scheduleName(nameOrId);
    const response = await call(() => this.scheduleService.resumeSchedule({ name }, options));
    return required(response.schedule, "schedule");
  }

  /**
   * Starts an instance of the schedule now, paused or not, as a firing would, and resolves with it
   * without waiting. The fire times are not affected; the overlap policy applies (with SKIP, an instance
   * of the schedule still running rejects with FailedPreconditionError, reason SCHEDULE_OVERLAP). Never
   * retried: another call may start another instance.
   */
  async triggerSchedule(nameOrId: string, options: CallOptions = {}): Promise<Instance> {
    const name = this.scheduleName(nameOrId);
    const response = await call(() => this.scheduleService.triggerSchedule({ name }, options));
    return required(response.instance);
  }

  /**
   * Deletes the schedule: it fires no more; the instances it started are not changed. Rejects with
   * NotFoundError when it does not exist or was deleted already.
   */
  async deleteSchedule(nameOrId: string, options: CallOptions = {}): Promise<void> {
    const name = this.scheduleName(nameOrId);
    await call(() => this.scheduleService.deleteSchedule({ name }, options));
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
    ...(task.retry === undefined ? {} : { retryPolicy: retryPolicyMessage(task.retry) }),
    dependencies: (task.dependsOn ?? []).map(dependencyMessage),
    concurrencyKey: task.concurrencyKey ?? "",
    concurrencyLimit: task.concurrencyLimit ?? 0,
  });
}

/** A page size to send: 0 (the server's default) when unset; a RangeError unless a positive integer. */
function pageSize(size: number | undefined): number {
  if (size === undefined) {
    return 0;
  }
  if (!(Number.isSafeInteger(size) && size > 0)) {
    throw new RangeError(`pageSize must be a positive integer, not ${size}`);
  }
  return size;
}
