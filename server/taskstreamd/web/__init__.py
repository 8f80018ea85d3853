"""The server's HTTP endpoints: the status page, a health probe and each instance's Logview page."""
