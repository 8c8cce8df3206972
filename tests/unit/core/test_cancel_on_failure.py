"""A vendor job whose task failed for good is cancelled where the vendor can cancel (Rev, CDNvideo).

Airflow calls `on_failure_callback` only when no retry follows; the operators add `CancelOnFinalFailure`
there. Here the wait times out on the (only) try, and the callback Airflow would call is called with the
same context: the sandbox shows the job cancelled. A refused cancel is logged, never raised.
"""

# ruff: noqa: F811  (fixtures imported from cdnvideo_support are redefined as test arguments)
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cdnvideo_support import CDNVideoObjects, cdnvideo, cdnvideo_conn, cdnvideo_hook  # noqa: F401
from rev_test_support import SAMPLE, RevObjects, rev_objects
from video_localization.cdnvideo.models import TaskStatus
from video_localization.cdnvideo.operators import CDNVideoGenerateOperator
from video_localization.core.abandon import CancelOnFinalFailure, cancel_abandoned, with_cancel_on_failure
from video_localization.core.operators import VendorWaitTimeout
from video_localization.rev.models import OrderStatus
from video_localization.rev.operators import RevCaptionOrderOperator
from video_localization_dev.sandbox.server import RunningSandbox

ContextFactory = Callable[..., dict[str, Any]]
#: Wait in the worker for under a second, polling every 50 ms: the vendor job is still running by then.
TIMES_OUT = {"deferrable": False, "poll_interval": 0.05, "max_poll_interval": 0.1, "wait_timeout": 0.3}


@pytest.fixture
def rev(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RevObjects]:
    yield from rev_objects(sandbox, monkeypatch)


def fail_for_good(operator: Any, context: dict[str, Any], error: BaseException) -> None:
    """What Airflow does once a task fails with no retries left: call its failure callbacks."""
    for callback in operator.on_failure_callback:
        callback({**context, "task": operator, "exception": error})


def test_a_rev_order_whose_wait_timed_out_on_the_last_try_is_cancelled(
    rev: RevObjects, make_context: ContextFactory, caplog: pytest.LogCaptureFixture
) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 30  # the order stays In Progress (cancellable)
    context = make_context()
    operator = RevCaptionOrderOperator(
        task_id="captions", source=str(SAMPLE), locale="fr-FR", formats=["SubRip"], **TIMES_OUT
    )
    with pytest.raises(VendorWaitTimeout) as timed_out:
        operator.execute(context)
    number = context["ti"].pushed_value("order_number")
    with caplog.at_level(logging.WARNING, logger="video_localization.core.abandon"):
        fail_for_good(operator, context, timed_out.value)
    assert rev.hook.get_order(number).status is OrderStatus.CANCELLED
    assert f"cancelled rev job {number}, which nobody would collect" in caplog.text
    assert "VendorWaitTimeout" in caplog.text


def test_a_refused_cancel_is_logged_and_does_not_raise(
    rev: RevObjects, make_context: ContextFactory, caplog: pytest.LogCaptureFixture
) -> None:
    context = make_context()
    operator = RevCaptionOrderOperator(
        task_id="captions", source=str(SAMPLE), locale="fr-FR", formats=["SubRip"], wait=False
    )
    number = operator.execute(context)["order_number"]
    rev.wait_order(number)  # Complete: Rev refuses to cancel it now
    with caplog.at_level(logging.WARNING, logger="video_localization.core.abandon"):
        assert cancel_abandoned(operator, context, "test") is False
    assert f"cancelling rev job {number} was refused or failed" in caplog.text
    assert rev.hook.get_order(number).status is OrderStatus.COMPLETE


def test_nothing_is_cancelled_when_nothing_was_created(rev: RevObjects, make_context: ContextFactory) -> None:
    operator = RevCaptionOrderOperator(
        task_id="captions", source=str(SAMPLE), locale="fr-FR", formats=["SubRip"]
    )
    assert cancel_abandoned(operator, make_context(), "bad input") is False
    assert rev.requests() == 0


def test_a_cdnvideo_task_whose_wait_timed_out_on_the_last_try_is_cancelled(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory
) -> None:
    cdnvideo.sandbox.sandbox.settings.step_seconds = 30
    context = make_context()
    operator = CDNVideoGenerateOperator(
        task_id="generate",
        script="Hello! This is the text I am speaking.",
        video_name="Launch video",
        actor="Natalia",
        shot="waist",
        voice="Sara",
        **TIMES_OUT,
    )
    with pytest.raises(VendorWaitTimeout) as timed_out:
        operator.execute(context)
    fail_for_good(operator, context, timed_out.value)
    job_id = context["ti"].pushed_value("job_id")
    assert cdnvideo.hook.get_status(job_id).status is TaskStatus.CANCELED


def test_the_canceller_is_added_once_before_the_users_callbacks() -> None:
    def mine(context: Any) -> None:
        return None

    assert with_cancel_on_failure(None) == [CancelOnFinalFailure()]
    assert with_cancel_on_failure(mine) == [CancelOnFinalFailure(), mine]
    assert with_cancel_on_failure([CancelOnFinalFailure(), mine]) == [CancelOnFinalFailure(), mine]
    operator = RevCaptionOrderOperator(
        task_id="c",
        source="https://v.example/a.mp4",
        locale="fr-FR",
        formats=["SubRip"],
        on_failure_callback=mine,
    )
    assert operator.on_failure_callback == [CancelOnFinalFailure(), mine]
    kept = RevCaptionOrderOperator(
        task_id="d",
        source="https://v.example/a.mp4",
        locale="fr-FR",
        formats=["SubRip"],
        cancel_on_failure=False,
    )
    assert not kept.on_failure_callback
