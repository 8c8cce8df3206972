"""The vendor-neutral step operators resume a deferred vendor operator where it stopped, never from its
`execute` (which would submit again): the state travels in the deferral's kwargs and in the task state
store, because `dag.test()` resumes a task with the trigger's event only."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, TaskDeferred
from airflow.triggers.base import BaseTrigger, TriggerEvent

from video_localization.core.dubbing_operators import STEP_STATE_KEY, NestedVendorStepOperator
from vloc_test_support import MemoryStateStore, fake_context


class NeverFires(BaseTrigger):
    """A trigger the test resumes by hand (it is never run)."""

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{__name__}.NeverFires", {})

    async def run(self):  # pragma: no cover - never run
        yield TriggerEvent({})


class PaidJobOperator(BaseOperator):
    """Stands for a vendor operator: `execute` pays for a job and defers; `finish` reads the event."""

    submitted: list[str] = []

    def execute(self, context: Any) -> Any:
        PaidJobOperator.submitted.append(self.task_id)
        raise TaskDeferred(trigger=NeverFires(), method_name="finish", kwargs={"job": "j1"})

    def finish(self, context: Any, event: Any = None, job: str | None = None) -> dict[str, Any]:
        return {"job": job, "event": event}


class OneStep(NestedVendorStepOperator):
    def build(self, state: dict[str, Any]) -> BaseOperator:
        return PaidJobOperator(task_id="paid_job")

    def execute(self, context: Any) -> Any:
        return self.advance(context, {"method": "execute"})

    def advance(self, context: Any, state: dict[str, Any]) -> Any:
        return self.run_step(context, state)


@pytest.fixture(autouse=True)
def no_jobs_yet() -> None:
    PaidJobOperator.submitted = []


def _step() -> OneStep:
    return OneStep(task_id="dub", plan={})


def test_the_deferral_becomes_the_steps_own_and_its_state_is_stored():
    context = fake_context()
    with pytest.raises(TaskDeferred) as deferred:
        _step().execute(context)
    assert deferred.value.method_name == "resume_step"
    state = deferred.value.kwargs["state"]
    assert (state["method"], state["method_kwargs"]) == ("finish", {"job": "j1"})
    assert context["task_state_store"].get(STEP_STATE_KEY) is not None
    assert PaidJobOperator.submitted == ["paid_job"]


def test_a_resume_with_the_event_only_goes_on_from_the_stored_state():
    """What `dag.test()` does: `next_kwargs` is replaced by the event. No second job is paid for."""
    context = fake_context()
    with pytest.raises(TaskDeferred):
        _step().execute(context)
    answer = _step().resume_step(context, event={"status": "failed"})
    assert answer == {"job": "j1", "event": {"status": "failed"}}
    assert PaidJobOperator.submitted == ["paid_job"]


def test_a_resume_without_any_state_refuses_to_start_over():
    context = fake_context(store=MemoryStateStore())
    with pytest.raises(AirflowFailException, match="not starting the step over"):
        _step().resume_step(context, event={"status": "success"})
    assert PaidJobOperator.submitted == []
