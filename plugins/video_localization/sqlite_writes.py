"""One write request at a time in the api-server when the metadata database is SQLite.

Why: on the embedded default (SQLite), a burst of 100 concurrent REST triggers got HTTP 500 "database is
locked" for about one in eight, and the same errors reached the scheduler, dag-processor and triggerer
(which died of it). Raising SQLite's busy timeout made it worse, not better (measured: with 120 s every
component stalled in 120-second steps, then failed the same way), which points at writers inside the
api-server process waiting on each other rather than at a too-short wait: SQLite takes one writer at a
time, and concurrent write requests in one process hold transactions open while they wait.

So the api-server lets one mutating request (POST, PUT, PATCH, DELETE; REST and execution API alike)
run at a time, others wait their turn in memory; reads stay concurrent (SQLite's WAL mode lets readers
run beside the writer). Only when `[database] sql_alchemy_conn` is SQLite: on PostgreSQL or MySQL it is
a pass-through. Registered by the plugin as a root middleware (`fastapi_root_middlewares`).

Measured (tests/integration/test_sqlite_burst.py, 100 concurrent triggers, loaded 2-core machine):
with it, 100 x HTTP 200 in 29.4 s and no lock error in any component; without it, 22 x 200 and
78 x 500 in 226.5 s.
"""

from __future__ import annotations

import asyncio
from typing import Any

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def metadata_db_is_sqlite() -> bool:
    """Whether this process's Airflow metadata database is SQLite (read in the api-server)."""
    from airflow.configuration import conf

    return conf.get("database", "sql_alchemy_conn", fallback="").startswith("sqlite")


class SerializeSqliteWrites:
    """Pure ASGI middleware: at most one mutating HTTP request in flight per process on SQLite."""

    def __init__(self, app: Any, enabled: bool | None = None) -> None:
        self.app = app
        self.enabled = metadata_db_is_sqlite() if enabled is None else enabled
        self._lock: asyncio.Lock | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not self.enabled or scope.get("type") != "http" or scope.get("method") in READ_METHODS:
            await self.app(scope, receive, send)
            return
        if self._lock is None:  # made on the server's own event loop, at its first write
            self._lock = asyncio.Lock()
        async with self._lock:
            await self.app(scope, receive, send)
