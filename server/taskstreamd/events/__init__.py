"""The per-instance event log: what a change looks like (changes), and how committed changes reach the
watchers of an instance (hub)."""
