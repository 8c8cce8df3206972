"""Mitigating an Airflow 3.3 race: a trigger that fires before the deferring workload has exited.

What happens (seen 22 times in a chaos run, LocalExecutor and Celery; see docs/airflow-resume-race.md):
a task defers, its worker process is still finishing (log upload, supervisor teardown), the trigger's
first poll finds the vendor job already done and fires at once, the scheduler queues the resumed
workload under the same task-instance key, and only then does the executor report the *first*
workload's exit. The executor's bookkeeping is keyed by (dag, task, run, map index, try): the late exit
removes the resumed workload's entry, the scheduler no longer sees the task as its own, treats the exit
as "killed externally" and sets the task UP_FOR_RETRY; the resumed process then gets "Task Instance
not found". Airflow guards only the case where the task is still SCHEDULED when the exit arrives.

Inside the project: a polling trigger looks at the vendor no earlier than `settle_seconds()` after it
starts, so the deferring workload has exited and its event has been processed before any resume can be
queued. The wait engine folds this into its schedule (`core.wait.schedule.first_poll`): it is a floor under
the first poll (which the operator's fresh check already puts one interval out), not a second delay, and
wakes or answers pushed by the shared status loop wait for it too. The jobs polled here take minutes, so
a few seconds cost nothing; a job already done when the operator checked never defers at all.
Configured by `[video_localization] trigger_settle_seconds` (declared with the wait engine's settings in
`core.config.WAIT_SETTINGS`; env `AIRFLOW__VIDEO_LOCALIZATION__TRIGGER_SETTLE_SECONDS`).
"""

from __future__ import annotations

from video_localization.core.config import WAIT_SETTINGS

KEY = "trigger_settle_seconds"
#: Seconds a trigger waits before its first look (longer than a deferring workload takes to exit and
#: the scheduler to process that exit, on a loaded 2-core machine).
DEFAULT_SETTLE_SECONDS = float(WAIT_SETTINGS[KEY][1])


def settle_seconds() -> float:
    """The configured settle time (read in the triggerer from conf, once per event loop)."""
    from video_localization.core.wait import settings

    try:
        value = float(settings.get(KEY))
    except ValueError:  # a setting that is not a number keeps the safe default
        return DEFAULT_SETTLE_SECONDS
    return max(0.0, value)
