package taskstream

import (
	"context"
	"errors"
	"os/user"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
)

// DefaultProject is the project a Client works in unless WithProject names another.
const DefaultProject = "default"

// UserMetadataKey is the gRPC metadata key that carries the caller's user name to the server, which
// records it as the owner of the instances the caller creates.
const UserMetadataKey = "x-taskstream-user"

// Client calls a taskstream server in one project. It is safe for concurrent use; Close it when done.
type Client struct {
	conn      *grpc.ClientConn // nil when the caller passed its own connection
	rpc       pb.InstanceServiceClient
	schedules pb.ScheduleServiceClient
	project   string
	retry     RetryPolicy
}

// Option configures NewClient.
type Option func(*settings)

type settings struct {
	project     string
	user        string
	token       string
	conn        grpc.ClientConnInterface
	dialOptions []grpc.DialOption
	retry       RetryPolicy
}

// WithProject sets the project the client works in (DefaultProject otherwise).
func WithProject(project string) Option {
	return func(s *settings) { s.project = project }
}

// WithUser sets the user sent with every call in the x-taskstream-user metadata. By default it is the
// name of the user running the program; an empty name sends none (the server then records "anonymous").
func WithUser(user string) Option {
	return func(s *settings) { s.user = user }
}

// WithToken sets the bearer token sent with every call as "authorization: Bearer <token>", for servers
// started with --auth-file. Off loopback, use it with TLS (WithDialOptions).
func WithToken(token string) Option {
	return func(s *settings) { s.token = token }
}

// WithDialOptions adds options to the connection NewClient makes, for example
// grpc.WithTransportCredentials for TLS; without that option the connection is plaintext.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(s *settings) { s.dialOptions = append(s.dialOptions, opts...) }
}

// WithGRPCConn makes the client use an existing connection instead of making one; target is then
// ignored and Close leaves the connection open.
func WithGRPCConn(conn grpc.ClientConnInterface) Option {
	return func(s *settings) { s.conn = conn }
}

// WithRetry sets when the calls that are safe to repeat resume after a transient failure: watches, waits,
// output reads and the pages of lists (DefaultRetry otherwise).
func WithRetry(policy RetryPolicy) Option {
	return func(s *settings) { s.retry = policy }
}

// NewClient returns a client of the taskstream server at target ("host:port", or any gRPC target).
// Connecting is lazy: an unreachable server shows as ErrUnavailable on the first call.
func NewClient(target string, opts ...Option) (*Client, error) {
	s := settings{project: DefaultProject, user: localUser(), retry: DefaultRetry}
	for _, opt := range opts {
		opt(&s)
	}
	if s.project == "" || strings.Contains(s.project, "/") {
		return nil, errors.New("taskstream: the project must be a non-empty name without '/'")
	}
	c := &Client{project: s.project, retry: s.retry}
	conn := s.conn
	if conn == nil {
		dial := append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, s.dialOptions...)
		cc, err := grpc.NewClient(target, dial...)
		if err != nil {
			return nil, err
		}
		c.conn, conn = cc, cc
	}
	authed := userConn{conn, s.user, s.token}
	c.rpc = pb.NewInstanceServiceClient(authed)
	c.schedules = pb.NewScheduleServiceClient(authed)
	return c, nil
}

// Close closes the connection the client made.
func (c *Client) Close() error {
	if c.conn == nil {
		return nil
	}
	return c.conn.Close()
}

// Project returns the project the client works in.
func (c *Client) Project() string {
	return c.project
}

// InstanceService returns the generated stub the client calls, for requests the client's methods do not
// make (a StopInstance with a request_id or grace period, a page token kept between calls, ...). Its calls
// carry the client's user and token too; FromError reads their errors.
func (c *Client) InstanceService() pb.InstanceServiceClient {
	return c.rpc
}

// InstanceName returns the resource name "projects/{project}/instances/{id}" of an instance id in the
// client's project. A name that is already a resource name is returned as it is, so every method that
// takes an instance accepts either.
func (c *Client) InstanceName(idOrName string) string {
	if strings.HasPrefix(idOrName, "projects/") {
		return idOrName
	}
	return "projects/" + c.project + "/instances/" + idOrName
}

// userConn adds the caller's user to the metadata of every call.
type userConn struct {
	grpc.ClientConnInterface
	user  string
	token string
}

func (c userConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return c.ClientConnInterface.Invoke(c.outgoing(ctx), method, args, reply, opts...)
}

func (c userConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return c.ClientConnInterface.NewStream(c.outgoing(ctx), desc, method, opts...)
}

func (c userConn) outgoing(ctx context.Context) context.Context {
	if c.user != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, UserMetadataKey, c.user)
	}
	if c.token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.token)
	}
	return ctx
}

func localUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
