package dev.taskstream.client;

import io.grpc.Status;

/**
 * The instance is in the wrong state for the call, for example stopping a terminated one
 * (FAILED_PRECONDITION).
 */
public class FailedPreconditionException extends ApiException {
  private static final long serialVersionUID = 1L;

  FailedPreconditionException(String details, Details extra, Throwable cause) {
    super(Status.Code.FAILED_PRECONDITION, details, extra, cause);
  }
}
