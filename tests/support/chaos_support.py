"""Helpers of the chaos suite's test: where the repository is, and whether PostgreSQL and Redis answer."""

from __future__ import annotations

import socket
from pathlib import Path

#: The checkout (the `chaos` package is run from its root, like `make chaos`).
REPO = Path(__file__).resolve().parents[2]


def celery_unavailable() -> str | None:
    """Why the Celery topology cannot run here (PostgreSQL 127.0.0.1:5432, Redis 127.0.0.1:6379)."""
    for what, port in (("PostgreSQL", 5432), ("Redis", 6379)):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                pass
        except OSError as error:
            return f"{what} at 127.0.0.1:{port}: {error}"
    return None
