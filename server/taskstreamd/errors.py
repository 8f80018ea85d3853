"""Domain errors: raised anywhere below the servicers, mapped to gRPC statuses in one interceptor.

ServiceError
 ├── InvalidArgument      INVALID_ARGUMENT + BadRequest field violations
 ├── NotFound             NOT_FOUND + ResourceInfo
 │    └── Expired         NOT_FOUND + ResourceInfo + ErrorInfo(INSTANCE_EXPIRED or _DELETED, metadata)
 ├── AlreadyExists        ALREADY_EXISTS + ResourceInfo (a caller-chosen id is taken)
 ├── FailedPrecondition   FAILED_PRECONDITION + ErrorInfo(reason, metadata)
 ├── PermissionDenied     PERMISSION_DENIED + ErrorInfo(reason)
 ├── Unauthenticated      UNAUTHENTICATED + ErrorInfo(reason)
 ├── ResourceExhausted    RESOURCE_EXHAUSTED + ErrorInfo(reason, metadata)
 └── Unavailable          UNAVAILABLE (retry later)
      └── Elsewhere        another replica owns the instance or schedule: the API layer forwards the call
"""

from __future__ import annotations

from dataclasses import dataclass


class ServiceError(Exception):
    """Root of the errors a caller sees as a deliberate gRPC status."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class InvalidArgument(ServiceError):
    # A request can have thousands of bad fields; the message (a gRPC header) names the first few.
    IN_MESSAGE = 10

    def __init__(self, violations: list[FieldViolation]) -> None:
        shown = "; ".join(f"{v.field}: {v.description}" for v in violations[: self.IN_MESSAGE])
        more = len(violations) - self.IN_MESSAGE
        super().__init__(f"{shown}; and {more} more" if more > 0 else shown)
        self.violations = violations

    @classmethod
    def one(cls, field: str, description: str) -> InvalidArgument:
        return cls([FieldViolation(field, description)])


class NotFound(ServiceError):
    def __init__(self, resource_type: str, resource_name: str) -> None:
        super().__init__(f"{resource_type} {resource_name!r} not found")
        self.resource_type = resource_type
        self.resource_name = resource_name


class Expired(NotFound):
    """An instance deleted by retention; ``metadata`` says when it ended and how."""

    def __init__(
        self, resource_type: str, resource_name: str, metadata: dict[str, str], *, deleted: bool = False
    ) -> None:
        super().__init__(resource_type, resource_name)
        if deleted:  # by a caller's DeleteInstance, not by retention
            self.message = f"{resource_type} {resource_name!r} was deleted"
            self.reason = "INSTANCE_DELETED"
        else:
            self.message = f"{resource_type} {resource_name!r} expired and was deleted"
            self.reason = "INSTANCE_EXPIRED"
        self.args = (self.message,)
        self.metadata = dict(metadata)


class AlreadyExists(ServiceError):
    def __init__(self, resource_type: str, resource_name: str) -> None:
        super().__init__(f"{resource_type} {resource_name!r} already exists")
        self.resource_type = resource_type
        self.resource_name = resource_name


class FailedPrecondition(ServiceError):
    def __init__(self, reason: str, message: str, metadata: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.metadata = dict(metadata or {})


class PermissionDenied(ServiceError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Unauthenticated(ServiceError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Unavailable(ServiceError):
    pass


class Elsewhere(Unavailable):
    """The instance (or schedule) is owned by the replica at ``address`` (empty: none is known to own it
    now)."""

    def __init__(self, instance_id: str, address: str, kind: str = "instance") -> None:
        super().__init__(f"{kind} {instance_id} is owned by another server replica; retry")
        self.address = address


class ResourceExhausted(ServiceError):
    def __init__(self, reason: str, message: str, metadata: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.metadata = dict(metadata or {})
