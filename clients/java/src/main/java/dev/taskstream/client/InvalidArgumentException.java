package dev.taskstream.client;

import io.grpc.Status;
import java.util.List;

/**
 * The server rejected the request (INVALID_ARGUMENT); {@link #fieldViolations()} says which fields
 * were wrong, from a {@code google.rpc.BadRequest} detail.
 */
public class InvalidArgumentException extends ApiException {
  private static final long serialVersionUID = 1L;

  private final List<FieldViolation> fieldViolations;

  InvalidArgumentException(String details, Details extra, Throwable cause) {
    super(Status.Code.INVALID_ARGUMENT, details, extra, cause);
    this.fieldViolations = extra.fieldViolations;
  }

  /** The invalid fields, in the order the server listed them; empty when it named none. */
  public List<FieldViolation> fieldViolations() {
    return fieldViolations;
  }
}
