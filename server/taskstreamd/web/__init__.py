"""The server's HTTP endpoints: a status page now; the Logview page and metrics later."""
