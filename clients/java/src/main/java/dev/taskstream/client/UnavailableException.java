package dev.taskstream.client;

import io.grpc.Status;

/** The server cannot be reached, or ended a stream early (UNAVAILABLE). */
public class UnavailableException extends ApiException {
  private static final long serialVersionUID = 1L;

  UnavailableException(String details, Details extra, Throwable cause) {
    super(Status.Code.UNAVAILABLE, details, extra, cause);
  }
}
