package dev.taskstream.client;

import io.grpc.Status;

/**
 * What the call would create exists already, for example a schedule of the id chosen
 * (ALREADY_EXISTS); {@link #resourceName()} names it.
 */
public class AlreadyExistsException extends ApiException {
  private static final long serialVersionUID = 1L;

  AlreadyExistsException(String details, Details extra, Throwable cause) {
    super(Status.Code.ALREADY_EXISTS, details, extra, cause);
  }
}
