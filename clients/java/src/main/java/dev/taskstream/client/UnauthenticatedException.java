package dev.taskstream.client;

import io.grpc.Status;

/** The server does not know who the caller is (UNAUTHENTICATED). */
public class UnauthenticatedException extends ApiException {
  private static final long serialVersionUID = 1L;

  UnauthenticatedException(String details, Details extra, Throwable cause) {
    super(Status.Code.UNAUTHENTICATED, details, extra, cause);
  }
}
