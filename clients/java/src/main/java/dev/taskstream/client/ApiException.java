package dev.taskstream.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.ResourceInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A call to the server failed with a gRPC status other than OK.
 *
 * <p>{@link #reason()} and {@link #metadata()} come from a {@code google.rpc.ErrorInfo} detail and
 * {@link #resourceName()} from a {@code google.rpc.ResourceInfo} detail, when the server sent them
 * (in the {@code grpc-status-details-bin} trailer).
 */
public class ApiException extends TaskstreamException {
  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final String details;
  private final transient Details extra;

  ApiException(Status.Code code, String details, Details extra, Throwable cause) {
    super(code + (details.isEmpty() ? "" : ": " + details), cause);
    this.code = code;
    this.details = details;
    this.extra = extra;
  }

  /** The gRPC status code. */
  public Status.Code code() {
    return code;
  }

  /** The server's message (the status description), empty when it sent none. */
  public String details() {
    return details;
  }

  /** ErrorInfo's reason, for example {@code "CONSUMER_TOO_SLOW"}. */
  public Optional<String> reason() {
    return Optional.ofNullable(extra.reason);
  }

  /** ErrorInfo's metadata; empty without an ErrorInfo. */
  public Map<String, String> metadata() {
    return extra.metadata;
  }

  /**
   * ResourceInfo's resource name, for example the instance that was not found or the schedule that
   * exists already.
   */
  public Optional<String> resourceName() {
    return Optional.ofNullable(extra.resourceName);
  }

  /** The exception of the matching subclass for a failed gRPC call. */
  static ApiException from(StatusRuntimeException e) {
    Status status = e.getStatus();
    String description = status.getDescription() == null ? "" : status.getDescription();
    Details details = Details.of(StatusProto.fromThrowable(e));
    return of(status.getCode(), description, details, e);
  }

  /** An exception the client raises itself for a code, as if the server had answered with it. */
  static ApiException of(Status.Code code, String message) {
    return of(code, message, Details.NONE, null);
  }

  private static ApiException of(Status.Code code, String message, Details details, Throwable c) {
    return switch (code) {
      case NOT_FOUND -> new NotFoundException(message, details, c);
      case ALREADY_EXISTS -> new AlreadyExistsException(message, details, c);
      case INVALID_ARGUMENT -> new InvalidArgumentException(message, details, c);
      case FAILED_PRECONDITION -> new FailedPreconditionException(message, details, c);
      case PERMISSION_DENIED -> new PermissionDeniedException(message, details, c);
      case UNAUTHENTICATED -> new UnauthenticatedException(message, details, c);
      case UNAVAILABLE -> new UnavailableException(message, details, c);
      default -> new ApiException(code, message, details, c);
    };
  }

  /** What the google.rpc.Status details of a failed call say, decoded once. */
  static final class Details {
    static final Details NONE = new Details(null, Map.of(), null, List.of());

    final String reason;
    final Map<String, String> metadata;
    final String resourceName;
    final List<FieldViolation> fieldViolations;

    private Details(
        String reason,
        Map<String, String> metadata,
        String resourceName,
        List<FieldViolation> fieldViolations) {
      this.reason = reason;
      this.metadata = metadata;
      this.resourceName = resourceName;
      this.fieldViolations = fieldViolations;
    }

    static Details of(com.google.rpc.Status status) {
      if (status == null) {
        return NONE;
      }
      String reason = null;
      Map<String, String> metadata = Map.of();
      String resourceName = null;
      List<FieldViolation> violations = new ArrayList<>();
      for (Any detail : status.getDetailsList()) {
        try {
          if (detail.is(ErrorInfo.class)) {
            ErrorInfo info = detail.unpack(ErrorInfo.class);
            reason = info.getReason();
            metadata = Map.copyOf(info.getMetadataMap());
          } else if (detail.is(ResourceInfo.class)) {
            resourceName = detail.unpack(ResourceInfo.class).getResourceName();
          } else if (detail.is(BadRequest.class)) {
            for (BadRequest.FieldViolation v :
                detail.unpack(BadRequest.class).getFieldViolationsList()) {
              violations.add(new FieldViolation(v.getField(), v.getDescription()));
            }
          }
        } catch (InvalidProtocolBufferException ignored) {
          // A malformed detail says nothing more than the status itself.
        }
      }
      return new Details(reason, metadata, resourceName, List.copyOf(violations));
    }
  }
}
