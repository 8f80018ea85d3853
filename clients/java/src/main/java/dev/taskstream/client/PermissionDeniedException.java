package dev.taskstream.client;

import io.grpc.Status;

/**
 * The caller may not do this, for example submit code to a server that does not allow it
 * (PERMISSION_DENIED).
 */
public class PermissionDeniedException extends ApiException {
  private static final long serialVersionUID = 1L;

  PermissionDeniedException(String details, Details extra, Throwable cause) {
    super(Status.Code.PERMISSION_DENIED, details, extra, cause);
  }
}
