"""Infrastructure: caching, replicas, paging, throttling, uploads, sign-in, backups, logs,
locking, bulk inserts and table downloads. Knows nothing of the domain (docs/architecture.md)."""
