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

Clean-up: a task forgets its reference's entries once it holds every job id (and again when it ends),
and `prune` (run daily by `vendor_housekeeping`) deletes entries recorded longer ago than
`[video_localization] callback_ledger_max_age_hours`: webhooks keep arriving after a task adopted its
job (every status change sends one), and a task that failed for good never comes back to forget. Each
value is `{"status", "recorded_at"}` (Variables carry no timestamp of their own).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
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


def entry_value(status: str, recorded_at: datetime) -> str:
    """What one entry holds: the job's status word and when the webhook was recorded (ISO 8601, UTC)."""
    return json.dumps({"status": status, "recorded_at": recorded_at.astimezone(UTC).isoformat()})


def recorded_at(value: Any) -> datetime | None:
    """When an entry was recorded, or None for a value of another shape (an entry of an older version)."""
    try:
        moment = datetime.fromisoformat(json.loads(value)["recorded_at"])
    except (TypeError, ValueError, KeyError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class CallbackLedger(Protocol):
    """Where verified callbacks leave the job ids they name, by reference."""

    def record(self, vendor: str, reference: str, job_id: str, status: str) -> None: ...

    def job_ids(self, vendor: str, reference: str) -> list[str]: ...

    def forget(self, vendor: str, reference: str) -> int:
        """Delete every entry under `reference` (its task holds its job ids); answers how many."""
        ...


@dataclass
class Pruned:
    """What one `prune` did: entries deleted, entries kept, entries of unknown age stamped with now."""

    deleted: list[str] = field(default_factory=list)
    kept: int = 0
    stamped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"deleted": len(self.deleted), "kept": self.kept, "stamped": len(self.stamped)}


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
            entry_value(status, datetime.now(UTC)),
            description=f"{vendor} job named by a verified callback (read by the task that sent it)",
        )

    def job_ids(self, vendor: str, reference: str) -> list[str]:
        """Called by the task (Task SDK): every job id recorded under `reference`, oldest key order."""
        from airflow.sdk import Variable

        prefix = variable_key(vendor, reference)
        return sorted(key[len(prefix) :] for key in Variable.keys(prefix=prefix))

    def forget(self, vendor: str, reference: str) -> int:
        """Called by the task (Task SDK) once it holds its job ids, and when it ends."""
        from airflow.sdk import Variable

        keys = list(Variable.keys(prefix=variable_key(vendor, reference)))
        for key in keys:
            Variable.delete(key)
        return len(keys)

    def prune(self, max_age: timedelta, now: datetime | None = None) -> Pruned:
        """Delete every entry (any vendor, any reference) recorded more than `max_age` before `now`.

        Called by a task (Task SDK). An entry whose value carries no time (written by an older version)
        is stamped with `now`, so it goes `max_age` later instead of never or at once.
        """
        from airflow.sdk import Variable

        now = now or datetime.now(UTC)
        pruned = Pruned()
        for key in list(Variable.keys(prefix=f"{VARIABLE_PREFIX}__")):
            value = Variable.get(key, default=None)
            if value is None:
                continue  # deleted meanwhile (its task forgot it)
            moment = recorded_at(value)
            if moment is None:
                Variable.set(key, entry_value(str(value), now))
                pruned.stamped.append(key)
            elif now - moment > max_age:
                Variable.delete(key)
                pruned.deleted.append(key)
            else:
                pruned.kept += 1
        if pruned.deleted or pruned.stamped:
            log.info(
                "Callback ledger: deleted %d entries older than %s, stamped %d of unknown age, kept %d",
                len(pruned.deleted),
                max_age,
                len(pruned.stamped),
                pruned.kept,
            )
        return pruned


class MemoryLedger:
    """The same contract in memory (tests, and a receiver and task in one process)."""

    def __init__(self) -> None:
        self.recorded: dict[tuple[str, str], dict[str, str]] = {}

    def record(self, vendor: str, reference: str, job_id: str, status: str) -> None:
        if _TOKEN.match(job_id):
            self.recorded.setdefault((vendor, reference), {})[job_id] = status

    def job_ids(self, vendor: str, reference: str) -> list[str]:
        return sorted(self.recorded.get((vendor, reference), {}))

    def forget(self, vendor: str, reference: str) -> int:
        return len(self.recorded.pop((vendor, reference), {}))
