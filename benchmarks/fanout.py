"""Fan-out overhead: one video x N languages x M caption formats on the running stack, vendors instant.

Starts the project's stack (`video_localization_dev.stack.Stack`: sandbox + Airflow, LocalExecutor on
SQLite, parallelism 4) with the sandbox at zero vendor latency, triggers one run of a DAG over REST,
waits for it, and reports what the graph cost in Airflow itself, not in the vendors:

- task instances created (by task id; mapped instances counted one by one), and how many ran;
- wall time from the trigger to the run's end;
- worker time: the sum of task-instance durations (start to end, as Airflow records them);
- waiting time: the sum over task instances of queued -> started (scheduler + executor hand-off);
- CPU seconds of each Airflow component during the run (scheduler with its LocalExecutor workers and
  their task processes, triggerer, dag-processor, api-server), read from /proc for each component's
  whole process session;
- each of those per language.

It measures whatever graph the DAG file holds, so the same command gives the "before" and "after" of
a change to the graph. The request is the user-facing conf (`--conf` overrides or adds keys as JSON).

`python -m benchmarks fanout [--dag localize_video] [--vendor panjaya] [--languages 20]
[--formats SubRip,WebVtt,Ttml,Dfxp] [--conf '{"key": "value"}']`  (takes a few minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

DEFAULT_FORMATS = ("SubRip", "WebVtt", "Ttml", "Dfxp")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def session_cpu_seconds(session_id: int) -> float:
    """utime + stime (+ children already waited for) of every live process in one session."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # After the command: state(0) ppid(1) pgrp(2) session(3) ... utime(11) stime(12) cutime(13) cstime(14)
        if int(fields[3]) == session_id:
            total += sum(int(value) for value in fields[11:15])
    return total / _CLOCK_TICKS


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def summarise(task_instances: list[dict[str, Any]]) -> dict[str, Any]:
    by_task = collections.Counter(ti["task_id"] for ti in task_instances)
    ran = [ti for ti in task_instances if ti.get("start_date") and ti.get("end_date")]
    worker = sum((_when(ti["end_date"]) - _when(ti["start_date"])).total_seconds() for ti in ran)  # type: ignore[operator]
    waiting = sum(
        (_when(ti["start_date"]) - _when(ti["queued_when"])).total_seconds()  # type: ignore[operator]
        for ti in ran
        if ti.get("queued_when")
    )
    states = collections.Counter(ti["state"] for ti in task_instances)
    return {
        "task_instances": len(task_instances),
        "ran": len(ran),
        "states": dict(states),
        "by_task": dict(sorted(by_task.items())),
        "worker_seconds": worker,
        "queued_to_start_seconds": waiting,
    }


def wait_for_run(rest: Any, dag_id: str, run_id: str, timeout: float) -> dict[str, Any]:
    """Poll the run's state; a busy api-server (slow answer, 5xx) on a loaded machine is asked again."""
    import httpx

    from video_localization_dev.rest import AirflowRestError

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            run = rest.dag_run(dag_id, run_id)
            if run["state"] in ("success", "failed"):
                return run
        except (httpx.TransportError, AirflowRestError) as error:
            print(f"  (api-server busy: {type(error).__name__}; asking again)", flush=True)
        time.sleep(3)
    raise TimeoutError(f"run {run_id} of {dag_id} did not finish within {timeout:.0f} s")


def all_task_instances(rest: Any, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    from urllib.parse import quote

    found: list[dict[str, Any]] = []
    while True:
        page = rest._call(
            "GET",
            f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances",
            params={"limit": 100, "offset": len(found)},
        )
        found.extend(page["task_instances"])
        if not page["task_instances"] or len(found) >= page["total_entries"]:
            return found


def run_fanout(
    dag_id: str, vendor: str, languages: int, formats: list[str], extra_conf: dict[str, Any]
) -> dict[str, Any]:
    from video_localization.core.languages import vendor_languages
    from video_localization_dev.media import media_dir
    from video_localization_dev.rest import AirflowRest
    from video_localization_dev.stack import ADMIN_USER, Stack

    source_language = "en-US"
    targets = [tag for tag in vendor_languages(vendor).targets() if tag != source_language][:languages]
    if len(targets) < languages:
        raise SystemExit(f"{vendor} dubs only {len(targets)} target languages besides {source_language}")
    home = Path(tempfile.mkdtemp(prefix="vloc-bench-fanout-"))
    output = home / "output"
    stack = Stack(
        home=home, output_dir=output, sandbox_step_seconds=0.0, poll_interval=0.5, max_poll_interval=1.0
    )
    try:
        stack.start()
        rest = AirflowRest(stack.api_url, ADMIN_USER, stack.password)
        rest.wait_for_dag(dag_id)
        rest.unpause(dag_id)
        sandbox = stack.sandbox_url
        conf: dict[str, Any] = {
            "source": (
                f"{sandbox}/_sandbox/media/sample.mp4"
                if vendor == "akool"
                else str(media_dir() / "sample.mp4")
            ),
            "source_language": source_language,
            "target_languages": targets,
            "dubbing_vendor": vendor,
            "output_location": str(output),
            "caption_formats": formats,
            "captions_source": "dubbing",
            **extra_conf,
        }
        sessions = {name: process.pid for name, process in stack.processes.items()}
        cpu_before = {name: session_cpu_seconds(pid) for name, pid in sessions.items()}
        started = time.monotonic()
        run = rest.trigger(dag_id, conf)
        final = wait_for_run(rest, dag_id, run["dag_run_id"], timeout=3600)
        wall = time.monotonic() - started
        cpu = {name: session_cpu_seconds(pid) - cpu_before[name] for name, pid in sessions.items()}
        summary = summarise(all_task_instances(rest, dag_id, run["dag_run_id"]))
        return {
            "dag_id": dag_id,
            "vendor": vendor,
            "languages": len(targets),
            "formats": formats,
            "state": final["state"],
            "wall_seconds": wall,
            "cpu_seconds": cpu,
            **summary,
        }
    finally:
        stack.stop()
        shutil.rmtree(home, ignore_errors=True)


def report(result: dict[str, Any]) -> None:
    n = result["languages"]
    print(
        f"fan-out: {result['dag_id']}, {result['vendor']}, {n} languages x {len(result['formats'])}"
        f" caption formats ({', '.join(result['formats'])}), sandbox at zero latency; run {result['state']}"
    )
    print(
        f"  task instances created {result['task_instances']} ({result['ran']} ran),"
        f" states {result['states']}"
    )
    print(f"  by task: {result['by_task']}")
    print(
        f"  wall time, trigger to end: {result['wall_seconds']:.1f} s"
        f" ({result['wall_seconds'] / n:.2f} s per language)"
    )
    print(
        f"  worker time (sum of TI durations): {result['worker_seconds']:.1f} s"
        f" ({result['worker_seconds'] / n:.2f} s per language)"
    )
    print(
        f"  queued -> started (sum): {result['queued_to_start_seconds']:.1f} s"
        f" ({result['queued_to_start_seconds'] / n:.2f} s per language)"
    )
    for name, seconds in sorted(result["cpu_seconds"].items()):
        print(f"  CPU {name:14s} {seconds:7.1f} s ({seconds / n:.2f} s per language)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks fanout", description=__doc__.splitlines()[0])
    parser.add_argument("--dag", default="localize_video")
    parser.add_argument("--vendor", default="panjaya")
    parser.add_argument("--languages", type=int, default=20)
    parser.add_argument("--formats", default=",".join(DEFAULT_FORMATS))
    parser.add_argument("--conf", default="{}", help="JSON object merged into the trigger conf")
    parser.add_argument("--json", action="store_true", help="also print the result as one JSON line")
    args = parser.parse_args(argv)
    result = run_fanout(
        args.dag,
        args.vendor,
        args.languages,
        [f for f in args.formats.split(",") if f],
        json.loads(args.conf),
    )
    report(result)
    if args.json:
        print(json.dumps(result))
