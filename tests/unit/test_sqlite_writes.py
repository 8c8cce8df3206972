"""On SQLite, the api-server runs one mutating request at a time; reads and other databases are untouched."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from video_localization.sqlite_writes import SerializeSqliteWrites


class Recorder:
    """An ASGI app that records how many requests of each kind run at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most_at_once = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        await asyncio.sleep(0)  # yield to the others several times, as a request awaiting I/O does
        await asyncio.sleep(0)
        self.running -= 1


async def burst(middleware: SerializeSqliteWrites, method: str, count: int = 20) -> None:
    scope = {"type": "http", "method": method, "path": "/api/v2/dags/d/dagRuns"}
    await asyncio.gather(*(middleware(scope, None, None) for _ in range(count)))


@pytest.mark.parametrize(
    ("enabled", "method", "most"),
    [(True, "POST", 1), (True, "PATCH", 1), (True, "GET", 20), (False, "POST", 20)],
)
def test_writes_are_serialized_only_on_sqlite(enabled: bool, method: str, most: int) -> None:
    app = Recorder()
    asyncio.run(burst(SerializeSqliteWrites(app, enabled=enabled), method))
    assert app.most_at_once == most


def test_it_follows_the_configured_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql+psycopg2://u@127.0.0.1/airflow")
    assert SerializeSqliteWrites(Recorder()).enabled is False
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "sqlite:////tmp/airflow.db")
    assert SerializeSqliteWrites(Recorder()).enabled is True
