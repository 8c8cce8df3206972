"""What the real-stack tests share: a started stack, and PostgreSQL and Redis of their own for Celery.

`postgres_database` (a fresh database, dropped afterwards) and `redis_broker` (a broker URL and a key
prefix of the module's own, its keys deleted afterwards) are module-scoped fixtures: import them into a
test module by these names. Without PostgreSQL (127.0.0.1:5432, trust) or Redis (127.0.0.1:6379) they
skip with the reason, except under `CI=true`, where they fail.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest

from video_localization_dev.stack import Stack

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
#: A Redis database of the tests' own (override with VLOC_TEST_REDIS_DB); keys also carry a run prefix.
REDIS_DB = int(os.environ.get("VLOC_TEST_REDIS_DB", "11"))


def running(stack: Stack) -> Iterator[Stack]:
    """Start `stack`, hand it over, and stop it however the module ended (`yield from` in a fixture)."""
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


def _unavailable(what: str, reason: str) -> None:
    message = f"{what} is not reachable ({reason}); the Celery/PostgreSQL topology test needs it"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: this test must run)")
    pytest.skip(message)


def _reachable(host: str, port: int) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=2):
            return None
    except OSError as error:
        return f"{host}:{port}: {error}"


@pytest.fixture(scope="module")
def postgres_database():
    """A fresh database for this run, dropped afterwards."""
    problem = _reachable(PG_HOST, PG_PORT)
    if problem:
        _unavailable("PostgreSQL", problem)
    import psycopg2

    name = f"vloc_it_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres")
    except psycopg2.Error as error:
        _unavailable("PostgreSQL", str(error).strip())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="module")
def redis_broker():
    """The broker URL and a key prefix of this run's own; its keys are deleted afterwards."""
    problem = _reachable(REDIS_HOST, REDIS_PORT)
    if problem:
        _unavailable("Redis", problem)
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    try:
        client.ping()
    except redis.RedisError as error:
        _unavailable("Redis", str(error))
    prefix = f"vloc-it-{uuid.uuid4().hex[:8]}:"
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}", prefix
    finally:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        client.close()
