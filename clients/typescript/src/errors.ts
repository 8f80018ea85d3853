/**
 * The errors the taskstream client throws.
 *
 * Every error derives from TaskstreamError; a failed call never escapes as a raw ConnectError but as the
 * ApiError subclass of its gRPC status code, with the google.rpc details the server sent in the
 * `grpc-status-details-bin` trailer already decoded:
 *
 *     TaskstreamError
 *     └── ApiError                    a call failed: .code, .codeName, .reason, .errorMetadata
 *         ├── NotFoundError           NOT_FOUND: no such instance or task; .resourceType, .resourceName
 *         ├── InvalidArgumentError    INVALID_ARGUMENT: a bad request; .fieldViolations
 *         ├── FailedPreconditionError FAILED_PRECONDITION, e.g. stopping a terminated instance
 *         ├── PermissionDeniedError   PERMISSION_DENIED
 *         ├── UnauthenticatedError    UNAUTHENTICATED
 *         ├── ResourceExhaustedError  RESOURCE_EXHAUSTED, e.g. a watcher too slow (CONSUMER_TOO_SLOW)
 *         ├── DeadlineExceededError   DEADLINE_EXCEEDED
 *         └── UnavailableError        UNAVAILABLE: the server cannot be reached
 *
 * Other codes (CANCELLED, INTERNAL …) throw a plain ApiError. A task that fails is not an error of the
 * client: its status, error and cancellation are data (see TaskResult).
 */

import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, ResourceInfoSchema } from "./gen/google/rpc/error_details_pb.js";

/** The canonical gRPC name of each status code, indexed by its number. */
const CODE_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

/** The canonical gRPC name of a status code, such as "NOT_FOUND" for Code.NotFound. */
export function codeName(code: Code): string {
  return CODE_NAMES[code] ?? String(code);
}

/** One bad field of a request, from a google.rpc.BadRequest detail. */
export interface FieldViolation {
  /** The field's path, for example "tasks[0].type". */
  readonly field: string;
  /** What is wrong with it. */
  readonly description: string;
}

/** The root of every error the taskstream client throws. */
export class TaskstreamError extends Error {
  override name = "TaskstreamError";
}

/** A call to the server failed with a gRPC status other than OK. */
export class ApiError extends TaskstreamError {
  override name = "ApiError";
  /** The status code; its numbers are gRPC's. */
  readonly code: Code;
  /** The server's message, without the code prefix. */
  readonly rawMessage: string;
  /** ErrorInfo.reason, such as "CONSUMER_TOO_SLOW"; empty without an ErrorInfo detail. */
  readonly reason: string;
  /** ErrorInfo.metadata, such as {resume_after_seq: "12"}. */
  readonly errorMetadata: Readonly<Record<string, string>>;

  constructor(error: ConnectError) {
    super(`${codeName(error.code)}: ${error.rawMessage}`, { cause: error });
    this.code = error.code;
    this.rawMessage = error.rawMessage;
    const info = error.findDetails(ErrorInfoSchema)[0];
    this.reason = info?.reason ?? "";
    this.errorMetadata = { ...info?.metadata };
  }

  /** The canonical gRPC name of the code, such as "NOT_FOUND". */
  get codeName(): string {
    return codeName(this.code);
  }
}

/** NOT_FOUND: the instance or task does not exist. */
export class NotFoundError extends ApiError {
  override name = "NotFoundError";
  /** ResourceInfo.resource_type, such as "instance"; empty without the detail. */
  readonly resourceType: string;
  /** ResourceInfo.resource_name, the name that was not found; empty without the detail. */
  readonly resourceName: string;

  constructor(error: ConnectError) {
    super(error);
    const info = error.findDetails(ResourceInfoSchema)[0];
    this.resourceType = info?.resourceType ?? "";
    this.resourceName = info?.resourceName ?? "";
  }
}

/** INVALID_ARGUMENT: the request is wrong; fieldViolations says where. */
export class InvalidArgumentError extends ApiError {
  override name = "InvalidArgumentError";
  /** The bad fields, from every BadRequest detail. */
  readonly fieldViolations: readonly FieldViolation[];

  constructor(error: ConnectError) {
    super(error);
    this.fieldViolations = error
      .findDetails(BadRequestSchema)
      .flatMap((detail) => detail.fieldViolations)
      .map(({ field, description }) => ({ field, description }));
  }
}

/** FAILED_PRECONDITION: the instance is not in a state that allows the call (reason says which). */
export class FailedPreconditionError extends ApiError {
  override name = "FailedPreconditionError";
}

/** PERMISSION_DENIED, for example a python_object task on a server that does not allow code. */
export class PermissionDeniedError extends ApiError {
  override name = "PermissionDeniedError";
}

/** UNAUTHENTICATED: the server needs credentials the call did not carry. */
export class UnauthenticatedError extends ApiError {
  override name = "UnauthenticatedError";
}

/** RESOURCE_EXHAUSTED, for example a watcher that read too slowly (reason CONSUMER_TOO_SLOW). */
export class ResourceExhaustedError extends ApiError {
  override name = "ResourceExhaustedError";
}

/** DEADLINE_EXCEEDED: the call's own deadline passed. */
export class DeadlineExceededError extends ApiError {
  override name = "DeadlineExceededError";
}

/** UNAVAILABLE: the server cannot be reached, is draining, or the stream broke. */
export class UnavailableError extends ApiError {
  override name = "UnavailableError";
}

const CLASSES: Partial<Record<Code, new (error: ConnectError) => ApiError>> = {
  [Code.NotFound]: NotFoundError,
  [Code.InvalidArgument]: InvalidArgumentError,
  [Code.FailedPrecondition]: FailedPreconditionError,
  [Code.PermissionDenied]: PermissionDeniedError,
  [Code.Unauthenticated]: UnauthenticatedError,
  [Code.ResourceExhausted]: ResourceExhaustedError,
  [Code.DeadlineExceeded]: DeadlineExceededError,
  [Code.Unavailable]: UnavailableError,
};

/** The typed error for anything a call threw; a TaskstreamError passes through unchanged. */
export function toApiError(reason: unknown): TaskstreamError {
  if (reason instanceof TaskstreamError) {
    return reason;
  }
  const error = ConnectError.from(reason);
  const Class = CLASSES[error.code] ?? ApiError;
  return new Class(error);
}

/** An ApiError of `code` made here, for conditions the client detects itself. */
export function clientError(code: Code, message: string): TaskstreamError {
  return toApiError(new ConnectError(message, code));
}
