package taskstream

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Sentinel errors for the status codes callers usually handle. Every error a Client method returns for
// a failed call is an *APIError, which matches the sentinel of its code with errors.Is:
//
//	if errors.Is(err, taskstream.ErrNotFound) { ... }
var (
	ErrNotFound           = errors.New("taskstream: not found")           // NOT_FOUND: no such instance, task or schedule
	ErrAlreadyExists      = errors.New("taskstream: already exists")      // ALREADY_EXISTS: a schedule id taken
	ErrInvalidArgument    = errors.New("taskstream: invalid argument")    // INVALID_ARGUMENT: see FieldViolations
	ErrFailedPrecondition = errors.New("taskstream: failed precondition") // e.g. stopping a terminated instance
	ErrPermissionDenied   = errors.New("taskstream: permission denied")   // PERMISSION_DENIED
	ErrUnauthenticated    = errors.New("taskstream: unauthenticated")     // UNAUTHENTICATED
	ErrUnavailable        = errors.New("taskstream: unavailable")         // UNAVAILABLE: the server cannot be reached
)

// ErrWaitTimeout is matched by the *WaitTimeoutError every wait returns when its timeout passes first:
// Wait, WaitForSuccess, WaitAll, WaitAny, Execute and ExecuteTask.
var ErrWaitTimeout = errors.New("taskstream: wait timed out")

// ErrInstanceFailed is matched by the *InstanceFailedError that Execute, ExecuteTask and WaitForSuccess
// return for an instance that terminated without every task succeeding.
var ErrInstanceFailed = errors.New("taskstream: instance failed")

var sentinels = map[codes.Code]error{
	codes.NotFound:           ErrNotFound,
	codes.AlreadyExists:      ErrAlreadyExists,
	codes.InvalidArgument:    ErrInvalidArgument,
	codes.FailedPrecondition: ErrFailedPrecondition,
	codes.PermissionDenied:   ErrPermissionDenied,
	codes.Unauthenticated:    ErrUnauthenticated,
	codes.Unavailable:        ErrUnavailable,
	codes.Canceled:           context.Canceled,
	codes.DeadlineExceeded:   context.DeadlineExceeded,
}

// APIError is a call the server failed: its gRPC status code and message, plus what the google.rpc
// details of the status say (the server sends BadRequest with INVALID_ARGUMENT, ResourceInfo with
// NOT_FOUND and ALREADY_EXISTS, and ErrorInfo with FAILED_PRECONDITION, PERMISSION_DENIED and
// RESOURCE_EXHAUSTED).
//
// It matches its code's sentinel with errors.Is (ErrNotFound, ...; context.Canceled and
// context.DeadlineExceeded for CANCELLED and DEADLINE_EXCEEDED), and status.FromError and status.Code
// still work on it.
type APIError struct {
	// Code is the gRPC status code.
	Code codes.Code
	// Message is the server's message.
	Message string
	// FieldViolations are the bad fields of an INVALID_ARGUMENT (google.rpc.BadRequest).
	FieldViolations []FieldViolation
	// ResourceType and ResourceName name what was not found (google.rpc.ResourceInfo).
	ResourceType, ResourceName string
	// Reason, Domain and Metadata come from a google.rpc.ErrorInfo, for example reason
	// CONSUMER_TOO_SLOW with metadata resume_after_seq.
	Reason   string
	Domain   string
	Metadata map[string]string

	status *status.Status
}

// FieldViolation is one bad field of a request.
type FieldViolation struct {
	// Field is the path of the field, for example "tasks[0].type".
	Field string
	// Description says what is wrong with it.
	Description string
}

// Error returns "taskstream: <code>: <message>", followed by the field violations if there are any.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "taskstream: %s: %s", e.Code, e.Message)
	for i, v := range e.FieldViolations {
		sep := "; "
		if i == 0 {
			sep = " ("
		}
		fmt.Fprintf(&b, "%s%s: %s", sep, v.Field, v.Description)
	}
	if len(e.FieldViolations) > 0 {
		b.WriteString(")")
	}
	return b.String()
}

// Is reports whether target is the sentinel error of e's code.
func (e *APIError) Is(target error) bool {
	sentinel, ok := sentinels[e.Code]
	return ok && target == sentinel
}

// GRPCStatus returns the status the error was made from, so that status.FromError and status.Code
// work on an *APIError (and on errors that wrap one).
func (e *APIError) GRPCStatus() *status.Status {
	return e.status
}

// FromError returns the *APIError for an error of a gRPC call, reading the google.rpc details of its
// status. It returns false when err carries no gRPC status. Use it on errors of the generated stub
// (Client.InstanceService); the Client's own methods already return *APIError.
func FromError(err error) (*APIError, bool) {
	if err == nil {
		return nil, false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr, true
	}
	st, ok := status.FromError(err)
	if !ok {
		return nil, false
	}
	apiErr = &APIError{Code: st.Code(), Message: st.Message(), status: st}
	for _, detail := range st.Details() {
		switch d := detail.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				apiErr.FieldViolations = append(apiErr.FieldViolations, FieldViolation{v.GetField(), v.GetDescription()})
			}
		case *errdetails.ResourceInfo:
			apiErr.ResourceType, apiErr.ResourceName = d.GetResourceType(), d.GetResourceName()
		case *errdetails.ErrorInfo:
			apiErr.Reason, apiErr.Domain, apiErr.Metadata = d.GetReason(), d.GetDomain(), d.GetMetadata()
		}
	}
	return apiErr, true
}

// callError turns the error of a call into an *APIError when it carries a status, and leaves any other
// error as it is.
func callError(err error) error {
	if apiErr, ok := FromError(err); ok {
		return apiErr
	}
	return err
}
