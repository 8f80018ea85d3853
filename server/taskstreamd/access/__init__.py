"""Who may do what: bearer-token principals (auth), the tokens a workflow's task acts with (task_tokens),
and the signed addresses of Logview pages (logview_tokens, logview_links). Both edges, gRPC and the web
port, check access through here."""
