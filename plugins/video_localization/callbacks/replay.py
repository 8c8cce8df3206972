"""What the callback receivers have already believed, so a replayed callback is not believed twice.

A verified callback is remembered by a key (vendor, connection, a digest of what was verified) for
`[video_localization] callback_seen_retention_seconds`. The api-server runs several worker processes,
so the memory is shared between them:

- `SqliteSeenStore` (default): one small SQLite file under `callback_seen_dir` (default
  `$AIRFLOW_HOME/vloc-callbacks`), safe across processes on one machine (one atomic UPSERT per callback);
- `RedisSeenStore`: `SET key NX EX ttl`, when `callback_seen_redis_url` is set (several api-server hosts).

`first_sighting(key, ttl)` is the whole interface: True the first time a key is offered within its ttl,
False for every later offer (a replay).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol

from video_localization.core.config import float_setting, setting

#: Default memory of a callback: longer than any vendor job waits (Akool results expire after 7 days).
DEFAULT_RETENTION_SECONDS = 30 * 24 * 3600
#: Expired rows are swept every this many sightings (keeps the file small without a janitor).
SWEEP_EVERY = 200


class SeenStore(Protocol):
    def first_sighting(self, key: str, ttl_seconds: float) -> bool:
        """Remember `key` for `ttl_seconds`; True unless it was already remembered (atomically)."""
        ...


def retention_seconds() -> float:
    return float_setting("callback_seen_retention_seconds")


class SqliteSeenStore:
    """A SQLite file shared by the processes of one machine; each check is one atomic statement."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._count = 0
        connection = self._connect()
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, expires REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def first_sighting(self, key: str, ttl_seconds: float) -> bool:
        now = time.time()
        connection = self._connect()
        cursor = connection.execute(
            "INSERT INTO seen (key, expires) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET expires = excluded.expires WHERE seen.expires <= ?",
            (key, now + ttl_seconds, now),
        )
        first = cursor.rowcount == 1
        self._count += 1
        if self._count % SWEEP_EVERY == 0:
            connection.execute("DELETE FROM seen WHERE expires <= ?", (now,))
        return first


class RedisSeenStore:
    """`SET key 1 NX EX ttl` on a Redis every api-server host reaches."""

    def __init__(self, url: str, prefix: str = "vloc:callback-seen:") -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = prefix

    def first_sighting(self, key: str, ttl_seconds: float) -> bool:
        return bool(self.client.set(self.prefix + key, b"1", nx=True, ex=max(1, int(ttl_seconds))))


def seen_store_from_settings() -> SeenStore:
    """Redis when `callback_seen_redis_url` is set, else the SQLite file under `callback_seen_dir`."""
    redis_url = setting("callback_seen_redis_url")
    if redis_url:
        return RedisSeenStore(redis_url)
    folder = setting("callback_seen_dir")
    return SqliteSeenStore(Path(folder) / "seen.sqlite3")
