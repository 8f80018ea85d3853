package dev.taskstream.client;

import io.grpc.Status;

/** The instance, task or schedule does not exist (NOT_FOUND). */
public class NotFoundException extends ApiException {
  private static final long serialVersionUID = 1L;

  NotFoundException(String details, Details extra, Throwable cause) {
    super(Status.Code.NOT_FOUND, details, extra, cause);
  }
}
