"""The wait engine's test doubles: a fake vendor in memory and a trigger on it.

They live here, importable by name, because a trigger is rebuilt from its classpath (a triggerer restart)
and test modules are imported by path. `tests/unit/core/test_wait_engine.py` and the wake-channel
integration test share them.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from video_localization.core.triggers import PollOutcome, VendorPollingTrigger
from video_localization.core.wait.status import StatusKind


@dataclass
class FakeVendor:
    """Jobs and their status words; counts single and list calls; a list shows `listed` jobs only."""

    jobs: dict[str, str] = field(default_factory=dict)
    hidden_from_list: set[str] = field(default_factory=set)
    single_calls: list[str] = field(default_factory=list)
    list_calls: int = 0

    async def fetch_one(self, _hook: Any, job_id: str) -> str:
        self.single_calls.append(job_id)
        await asyncio.sleep(0.01)
        if job_id not in self.jobs:
            from video_localization.core.errors import VendorError

            raise VendorError("fake", f"no job {job_id!r}", status_code=404)
        return self.jobs[job_id]

    async def fetch_many(
        self, _hook: Any, wanted: set[str], watched: set[str], _pages: int, _held: Any = None
    ) -> dict[str, str]:
        self.list_calls += 1
        await asyncio.sleep(0.01)
        return {
            job_id: word
            for job_id, word in self.jobs.items()
            if job_id in wanted | watched and job_id not in self.hidden_from_list
        }


VENDOR = FakeVendor()


def _kind(batched: bool) -> StatusKind[Any, str]:
    return StatusKind(
        name=f"fake.{'list' if batched else 'single'}",
        make_hook=lambda conn_id: object(),
        fetch_one=lambda hook, job_id: VENDOR.fetch_one(hook, job_id),
        word=lambda word: word,
        fetch_many=(lambda hook, w, s, p, h: VENDOR.fetch_many(hook, w, s, p, h)) if batched else None,
    )


LISTED = _kind(batched=True)
SINGLE = _kind(batched=False)


class FakeJobTrigger(VendorPollingTrigger):
    """A wait on one fake job: "done" and "failed" end it."""

    vendor = "fake"

    def __init__(self, *, job_id: str, batched: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.batched = batched

    def job_kwargs(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "batched": self.batched}

    def wake_ids(self) -> list[str]:
        return [self.job_id]

    async def poll(self) -> PollOutcome:
        word = await self.look(LISTED if self.batched else SINGLE, self.job_id)
        return PollOutcome(terminal=word in ("done", "failed"), success=word == "done", status=word)


async def until(what: str, condition: Any, within: float = 20.0) -> None:
    """Wait on a condition with a generous deadline (a loaded machine is slow, never wrong)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not reached within {within} s")
        await asyncio.sleep(0.01)
