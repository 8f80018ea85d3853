// @connectrpc/connect's declarations name the fetch type HeadersInit, which only the DOM lib declares:
// @types/node binds Headers from undici but cannot bind this type alias (connectrpc/connect-es#481).
// Derived from Node's own Headers here so that the build needs neither lib "dom" nor skipLibCheck.
type HeadersInit = NonNullable<ConstructorParameters<typeof Headers>[0]>;
