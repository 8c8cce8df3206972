"""`python -m chaos [--size full|small] [--topology embedded|celery|both] [--json FILE]` (`make chaos`).

`full` (the default, `make chaos`): 20 runs on the embedded stack (each workload 4 times) and 12 on the
Celery one, six in flight at a time on each, 10 + 5 task kills after a paid create, 3 + 2 triggerer
kills and as many scheduler kills; the target is at least 200 injections. `small` (the CI test,
`tests/integration/test_chaos_small.py`): the Panjaya + Rev, Akool, BlendVision and CDNvideo workloads
once on the embedded stack (every vendor, a task kill after a create at each) and one Panjaya + Rev run
on Celery, one triggerer and one scheduler kill on each. Both topologies run at the same time, each in
its own thread.

Exit code 0 when every run completed, nothing was created twice and the injections reached the target;
1 otherwise (the report says which target was missed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path

from chaos.driver import Plan, run_topology
from chaos.report import TopologyReport, render, verdict
from chaos.topologies import TOPOLOGIES
from chaos.workloads import WORKLOADS

ALL = list(WORKLOADS)

PROFILES: dict[str, dict[str, Plan]] = {
    "full": {
        "embedded": Plan(
            "embedded", ALL * 4, 6, task_kills=10, triggerer_kills=3, scheduler_kills=3, deadline_seconds=3200
        ),
        "celery": Plan(
            "celery",
            [*ALL * 2, "rev", "akool"],
            6,
            task_kills=5,
            triggerer_kills=2,
            scheduler_kills=2,
            deadline_seconds=3200,
        ),
    },
    "small": {
        "embedded": Plan(
            "embedded",
            ["rev", "akool", "blendvision", "cdnvideo"],  # Panjaya through the Rev workload
            4,
            task_kills=5,
            triggerer_kills=1,
            scheduler_kills=1,
            deadline_seconds=1200,
            component_kill_gap=30,
        ),
        "celery": Plan(
            "celery",
            ["rev"],
            1,
            task_kills=1,
            triggerer_kills=1,
            scheduler_kills=1,
            deadline_seconds=1200,
            component_kill_gap=30,
        ),
    },
}
MIN_INJECTIONS = {"full": 200, "small": 20}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(PROFILES), default="full")
    parser.add_argument("--topology", choices=[*TOPOLOGIES, "both"], default="both")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    names = list(TOPOLOGIES) if args.topology == "both" else [args.topology]
    plans = [PROFILES[args.size][name] for name in names]
    started = time.monotonic()
    print(f"Chaos ({args.size}) on {', '.join(names)}; load average {os.getloadavg()}", flush=True)

    reports: dict[str, TopologyReport] = {}
    errors: dict[str, str] = {}

    def drive(plan: Plan) -> None:
        try:
            reports[plan.topology] = run_topology(plan, log=lambda line: print(line, flush=True))
        except Exception as error:  # a stack that did not start: reported, and the verdict fails
            traceback.print_exc()
            errors[plan.topology] = f"{type(error).__name__}: {error}"

    threads = [threading.Thread(target=drive, args=(plan,), name=f"chaos-{plan.topology}") for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    ordered = [reports[name] for name in names if name in reports]
    print()
    for report in ordered:
        print(render(report))
    problems = verdict(ordered, MIN_INJECTIONS[args.size])
    problems += [f"{name}: {error}" for name, error in errors.items()]
    elapsed = time.monotonic() - started
    injections = sum(report.injections for report in ordered)
    print(f"\n{injections} injections in {elapsed:.0f} s; load average {os.getloadavg()}")
    print("targets met" if not problems else "TARGETS MISSED:\n  " + "\n  ".join(problems))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"reports": [r.as_dict() for r in ordered], "problems": problems, "seconds": elapsed},
                indent=2,
                default=str,
            )
        )
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
