"""The project's chaos suite (`make chaos`, `python -m chaos`): vendor faults and crashes on the real stack.

It starts the real stack (the sandbox plus Airflow's processes, embedded LocalExecutor/SQLite and
CeleryExecutor/PostgreSQL/Redis), triggers `localize_video` and `talking_head_video` runs over REST that
use all five vendors, and while they run:

- keeps fault rules queued in the sandbox (`POST /_sandbox/faults`) so that a large share of vendor
  requests gets a 429 (with Retry-After), 500, 502, 503, a dropped connection, a read timeout, or, on
  the requests that create paid things, a 500 after the vendor created them (`chaos.faults`);
- kills a task's process with SIGKILL right after the vendor created its paid job, found by the socket
  that sent the create, and kills the triggerer and the scheduler while tasks wait (`chaos.crashes`);
- answers, as the person the project asks, the human-in-the-loop questions about creates whose outcome
  is unknown, from what the vendor's dashboard (the sandbox's log) shows (`chaos.human`);

then prints what happened (`chaos.report`): runs started and completed, faults and crashes per kind,
paid jobs and created objects against what the runs needed, duplicates. The exit code is 0 only when
every run completed and nothing was created twice.
"""
