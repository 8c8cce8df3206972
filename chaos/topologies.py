"""The two topologies the chaos runs on, started the way the project starts them.

- `embedded`: what `vloc up` runs (`video_localization_dev.stack.Stack`): LocalExecutor on SQLite;
- `celery`: the distributed topology of `tests/integration/test_celery_stack.py`: CeleryExecutor with
  two workers, a fresh PostgreSQL database (127.0.0.1:5432, user `postgres`, dropped afterwards) and a
  Redis key prefix of its own (127.0.0.1:6379, keys deleted afterwards).

Both keep their homes and logs in a temp folder of their own (kept when a run did not complete).
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from video_localization_dev.stack import Stack

TOPOLOGIES = ("embedded", "celery")
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DB = int(os.environ.get("VLOC_CHAOS_REDIS_DB", "12"))
#: The sandbox's processing stages: short, so runs are quick, yet long enough that tasks wait deferred.
STEP_SECONDS = 1.0


class TopologyUnavailable(RuntimeError):
    """PostgreSQL or Redis is not reachable for the Celery topology."""


def unavailable_reason() -> str | None:
    """Why the Celery topology cannot start here (None when PostgreSQL and Redis answer)."""
    for what, host, port in (("PostgreSQL", PG_HOST, PG_PORT), ("Redis", REDIS_HOST, REDIS_PORT)):
        try:
            with socket.create_connection((host, port), timeout=2):
                pass
        except OSError as error:
            return f"{what} at {host}:{port}: {error}"
    return None


@contextlib.contextmanager
def _postgres_database() -> Iterator[str]:
    import psycopg2

    name = f"vloc_chaos_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextlib.contextmanager
def _redis_prefix() -> Iterator[tuple[str, str]]:
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    client.ping()
    prefix = f"vloc-chaos-{uuid.uuid4().hex[:8]}:"
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}", prefix
    finally:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        client.close()


@contextlib.contextmanager
def started(topology: str, workdir: Path | None = None) -> Iterator[Stack]:
    """A started stack of `topology`; stopped (and its databases dropped) afterwards."""
    root = Path(tempfile.mkdtemp(prefix=f"vloc-chaos-{topology}-", dir=workdir))
    common = {
        "home": root / "home",
        "output_dir": root / "output",
        "sandbox_step_seconds": STEP_SECONDS,
        "poll_interval": 1.0,
        "max_poll_interval": 3.0,
    }
    with contextlib.ExitStack() as resources:
        if topology == "embedded":
            stack = Stack(**common)
        elif topology == "celery":
            reason = unavailable_reason()
            if reason:
                raise TopologyUnavailable(reason)
            database_url = resources.enter_context(_postgres_database())
            broker_url, prefix = resources.enter_context(_redis_prefix())
            stack = Stack(
                **common,
                executor="CeleryExecutor",
                database_url=database_url,
                broker_url=broker_url,
                broker_key_prefix=prefix,
            )
        else:
            raise ValueError(f"unknown topology {topology!r}; known: {TOPOLOGIES}")
        resources.callback(stack.stop)
        stack.output_dir.mkdir(parents=True, exist_ok=True)
        stack.start()
        yield stack
