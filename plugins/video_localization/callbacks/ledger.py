"""Job ids named by verified vendor callbacks, kept where a waiting task finds them by its reference.

Why: Akool has no list endpoint and echoes no client reference, so when a create's answer is lost (a
read timeout, a 500 after the create, a worker killed right after sending) the only party that can
still name the job is Akool's own webhook. The operator puts an unguessable per-task reference in the
`webhookUrl` query (`vloc_ref=...`); the receiver (`callbacks/app.py`) verifies the webhook first and
then records "reference R named job J" here; the task whose create went unconfirmed reads the ids
recorded under its reference and reattaches instead of failing or paying twice.

Storage: one Airflow Variable per (vendor, reference, job id), so concurrent webhooks never overwrite
each other (no read-modify-write) and both topologies work (the api-server writes to the metadata DB,
a worker reads through the Task SDK, `Variable.keys(prefix)` lists them). The reference is random and
kept in the task's durable state store, so nobody can plant a job under another task's reference
without knowing it; the operator still reads each named job from Akool before adopting it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

log = logging.getLogger(__name__)

#: The query parameter of a webhook URL that carries the task's reference.
REFERENCE_PARAM = "vloc_ref"
#: What a reference (and a job id) may look like: short, URL-safe, and safe inside a Variable key.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
VARIABLE_PREFIX = "vloc_callback"


def with_reference(url: str, reference: str) -> str:
    """`url` with `vloc_ref=<reference>` added to its query (any earlier `vloc_ref` replaced)."""
    if not _TOKEN.match(reference):
        raise ValueError(f"reference {reference!r} is not 8-64 URL-safe characters")
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)]
    query = [(key, value) for key, value in query if key != REFERENCE_PARAM]
    query.append((REFERENCE_PARAM, reference))
    return urlunsplit(parts._replace(query=urlencode(query)))


def reference_from(query: Mapping[str, str]) -> str | None:
    """The reference a callback URL carries, or None when it carries none (or a malformed one)."""
    value = query.get(REFERENCE_PARAM)
    return value if value and _TOKEN.match(value) else None


def variable_key(vendor: str, reference: str, job_id: str = "") -> str:
    """`vloc_callback__<vendor>__<reference>__<job id>`; without a job id, the prefix of a reference."""
    return f"{VARIABLE_PREFIX}__{vendor}__{reference}__{job_id}"


class CallbackLedger(Protocol):
    """Where verified callbacks leave the job ids they name, by reference."""

    def record(self, vendor: str, reference: str, job_id: str, status: str) -> None: ...

    def job_ids(self, vendor: str, reference: str) -> list[str]: ...


class VariableLedger:
    """The ledger on Airflow Variables: the api-server writes through the ORM, a task reads via the SDK."""

    def record(self, vendor: str, reference: str, job_id: str, status: str) -> None:
        """Called by the api-server after the callback was verified (it has metadata DB access)."""
        if not _TOKEN.match(job_id):
            log.warning("Not recording a %s callback job id of unexpected shape for %s", vendor, reference)
            return
        from airflow.models.variable import Variable

        Variable.set(
            variable_key(vendor, reference, job_id),
            status,
            description=f"{vendor} job named by a verified callback (read by the task that sent it)",
        )

    def job_ids(self, vendor: str, reference: str) -> list[str]:
        """Called by the task (Task SDK): every job id recorded under `reference`, oldest key order."""
        from airflow.sdk import Variable

        prefix = variable_key(vendor, reference)
        return sorted(key[len(prefix) :] for key in Variable.keys(prefix=prefix))


class MemoryLedger:
    """The same contract in memory (tests, and a receiver and task in one process)."""

    def __init__(self) -> None:
        self.recorded: dict[tuple[str, str], dict[str, str]] = {}

    def record(self, vendor: str, reference: str, job_id: str, status: str) -> None:
        if _TOKEN.match(job_id):
            self.recorded.setdefault((vendor, reference), {})[job_id] = status

    def job_ids(self, vendor: str, reference: str) -> list[str]:
        return sorted(self.recorded.get((vendor, reference), {}))
