"""Vendor job completes -> task resumed, on the running stack, with callbacks and by polling alone.

Starts the stack `vloc up` starts (sandbox, api-server, scheduler, dag-processor, triggerer; SQLite and
the LocalExecutor; the embedded `file` wake channel) with the `vloc_wait_probe_*` DAGs
(`benchmarks/stack_dags`, see `video_localization_dev.wait_probe`), then, one after the other:

1. callbacks on: one run of `vloc_wait_probe_callbacks`, N mapped Akool translations. Each job is
   created, checked once by its operator, and waited on in the triggerer; the sandbox holds every job
   queued until the benchmark ends it (at a seeded moment within 60 s after all waits deferred), then
   posts Akool's signed, encrypted webhooks to the api-server's receiver, which verifies them and wakes
   the trigger through the wake channel; the trigger asks Akool once and resumes the task.
2. callbacks off: the same on `vloc_wait_probe_polling` (no webhook URL, the same end moments): the
   triggers poll on the project's default schedule (10 s, x1.5, up to 360 s).

Measured per wait, from the moment the sandbox ended the job (`POST /akool/_sandbox/finish`: from then
on a status call answers "completed" and the webhooks are on their way) to the start of the resumed
task's `execute_complete` in the worker (`resumed_at`, the first line it runs); and, to show where the
time goes, to the moment the scheduler queued the resumed task (its `queued_when`). All clocks are this
machine's. Also the Akool status calls the sandbox answered per job (the operator's check before
deferring included), the webhooks the receiver accepted, and the load average.

`python -m benchmarks stack_wakes [--waits 20]`; part of `make bench` unless `VLOC_BENCH_SKIP_STACK=1`
(about 6 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from video_localization_dev.wait_probe import (
    CALLBACKS_DAG,
    POLLING_DAG,
    ProbeClient,
    probe_stack,
)

TARGET_P50_SECONDS = 2.0
#: Each job ends at a seeded moment within this many seconds after all waits deferred (the same moments
#: in both modes), so polling is measured at every point of its schedule, not at one lucky one.
RELEASE_WINDOW_SECONDS = 60.0
SEED = 20261204


@dataclass
class Phase:
    """One mode's waits: seconds from completion to resume, status calls, webhooks, load."""

    name: str
    latencies: list[float]
    #: Seconds from the completion to the scheduler queueing the resumed task (its `queued_when`):
    #: the wake or poll, the trigger's event, the scheduler's pick-up; the rest is the worker's start.
    to_queued: list[float]
    status_calls: int
    jobs: int
    webhooks_ok: int
    load: tuple[float, float, float]

    def percentile(self, share: float, values: list[float] | None = None) -> float:
        ordered = sorted(self.latencies if values is None else values)
        return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def run_phase(client: ProbeClient, dag_id: str, name: str, waits: int) -> Phase:
    """One run of `dag_id` with `waits` jobs, each finished at its seeded moment; the figures."""
    client.hold_jobs()
    calls_before = client.status_calls()
    webhooks_before = len(client.akool_webhooks())
    run_id = client.trigger(dag_id, waits)
    client.wait_deferred(dag_id, run_id, waits, timeout=15 * 60)
    jobs = {index: next(iter(client.job_ids(dag_id, run_id, index).values())) for index in range(waits)}
    rng = random.Random(SEED)
    release = sorted((rng.uniform(0, RELEASE_WINDOW_SECONDS), index) for index in range(waits))
    start = time.monotonic()
    completed: dict[int, float] = {}
    for offset, index in release:
        time.sleep(max(0.0, start + offset - time.monotonic()))  # pacing the vendor, not waiting on Airflow
        completed[index] = client.finish_job(jobs[index])
    run = client.rest.wait_for_run(dag_id, run_id, timeout=30 * 60)
    calls = client.status_calls() - calls_before
    webhooks = client.akool_webhooks()[webhooks_before:]
    load = os.getloadavg()
    if run["state"] != "success":
        states = {ti["map_index"]: ti["state"] for ti in client.translate_instances(dag_id, run_id)}
        raise RuntimeError(f"{dag_id} run {run_id} ended {run['state']}: task states {states}")
    queued = {
        ti["map_index"]: datetime.fromisoformat(ti["queued_when"]).timestamp()
        for ti in client.translate_instances(dag_id, run_id)
    }
    latencies, to_queued = [], []
    for index in range(waits):
        result = client.result(dag_id, run_id, index)
        latencies.append(result["resumed_at"] - completed[index])
        to_queued.append(queued[index] - completed[index])
    return Phase(
        name=name,
        latencies=latencies,
        to_queued=to_queued,
        status_calls=calls,
        jobs=waits,
        webhooks_ok=sum(1 for sent in webhooks if sent["status_code"] == 200),
        load=load,
    )


def report(phases: list[Phase], waits: int) -> None:
    print(
        f"stack_wakes: {waits} deferred Akool waits per mode on the native stack (SQLite, LocalExecutor, "
        f"file wake channel); each job held, then ended at a seeded moment 0-{RELEASE_WINDOW_SECONDS:g} s "
        "after all had deferred"
    )
    print(
        "  seconds from the vendor job's completion to the resumed task's execute_complete "
        "(queued: to the scheduler queueing it)"
    )
    print(
        f"  {'':24} {'p50':>6} {'p95':>6} {'max':>6} {'min':>6}  {'queued p50/p95':>14}"
        "  status calls/job  webhooks 200  load 1/5/15"
    )
    for phase in phases:
        queued = f"{phase.percentile(0.5, phase.to_queued):.2f}/{phase.percentile(0.95, phase.to_queued):.2f}"
        print(
            f"  {phase.name:24} {phase.percentile(0.5):6.2f} {phase.percentile(0.95):6.2f} "
            f"{max(phase.latencies):6.2f} {min(phase.latencies):6.2f}  {queued:>14}  "
            f"{phase.status_calls / phase.jobs:16.2f}  {phase.webhooks_ok:12d}  "
            + "/".join(f"{value:.1f}" for value in phase.load)
        )
    if len(phases) == 2:
        woken, polled = phases
        print(
            f"  callbacks / polling: p50 {woken.percentile(0.5) / max(polled.percentile(0.5), 1e-9):.2f}x, "
            f"p95 {woken.percentile(0.95) / max(polled.percentile(0.95), 1e-9):.2f}x; "
            f"target p50 <= {TARGET_P50_SECONDS:g} s with callbacks: "
            + ("met" if woken.percentile(0.5) <= TARGET_P50_SECONDS else "NOT met")
        )


def bench_stack_wakes(waits: int = 20) -> list[Phase]:
    work = Path(tempfile.mkdtemp(prefix="vloc-bench-stack-"))
    stack = probe_stack(work / "home", work / "output")
    client = None
    keep = False
    try:
        print(f"  starting the stack in {work} (load average {os.getloadavg()[0]:.1f}) ...", flush=True)
        started = time.monotonic()
        stack.start()
        client = ProbeClient(stack)
        print(f"  stack up in {time.monotonic() - started:.0f} s", flush=True)
        phases = [
            run_phase(client, CALLBACKS_DAG, "callbacks on (wakes)", waits),
            run_phase(client, POLLING_DAG, "callbacks off (polling)", waits),
        ]
        report(phases, waits)
        return phases
    except BaseException:
        keep = True
        print(f"  the stack's folder is kept for its logs: {work}", flush=True)
        raise
    finally:
        if client is not None:
            client.close()
        stack.stop()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks stack_wakes")
    parser.add_argument(
        "--waits", type=int, default=20, help="deferred waits per mode (>= 20 for the figure)"
    )
    options = parser.parse_args(argv)
    bench_stack_wakes(options.waits)


if __name__ == "__main__":
    main()
