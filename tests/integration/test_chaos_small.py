"""The chaos suite, small but real: `python -m chaos --size small` on both topologies.

Every workload once on the embedded stack (Panjaya, Akool, BlendVision dubbing, Panjaya + Rev captions,
CDNvideo presenters) and one Panjaya + Rev run on CeleryExecutor/PostgreSQL/Redis, both stacks at the
same time, with every fault kind injected and at least one crash of each kind (a task process killed
right after a paid create, the triggerer and the scheduler killed mid-wait). It asserts what the report
counted from the systems themselves: every run completed, nothing created twice, every fault kind and
crash kind happened. Runs the suite as the CLI `make chaos` runs (a subprocess), and reads its JSON.

Needs PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) for the Celery half: skips saying so when
they are absent, fails under `CI=true`. About 9 minutes at a load average of 10 (deadline 20 minutes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from chaos_support import REPO, celery_unavailable

# Deselected from `make test` (pyproject's `-m "not chaos"`) while it fails on known, open defects of
# issue 13 (Rev inputs and BlendVision files created again when a create's answer is lost; an unclear
# create answer costs a whole try). `make chaos-small` runs it.
pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.timeout(1200)]

FAULT_KINDS = ("429", "500", "502", "503", "drop", "timeout", "500-after-create")
CRASH_KINDS = ("task-killed-after-create", "triggerer-killed", "scheduler-killed")
VENDORS = {"panjaya", "akool", "blendvision", "rev", "cdnvideo"}


@pytest.fixture(scope="module")
def chaos_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    reason = celery_unavailable()
    if reason:
        message = f"the Celery half of the chaos suite needs PostgreSQL and Redis ({reason})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: this test must run)")
        pytest.skip(message)
    out = tmp_path_factory.mktemp("chaos") / "report.json"
    completed = subprocess.run(
        [sys.executable, "-m", "chaos", "--size", "small", "--json", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1100,
        check=False,
    )
    print(completed.stdout[-20000:])
    assert out.exists(), completed.stderr[-5000:]
    report = json.loads(out.read_text())
    report["exit_code"] = completed.returncode
    report["stderr"] = completed.stderr[-5000:]
    return report


def _by_topology(report: dict) -> dict[str, dict]:
    return {entry["topology"]: entry for entry in report["reports"]}


def test_every_run_completes_on_both_topologies(chaos_report: dict):
    reports = _by_topology(chaos_report)
    assert set(reports) == {"embedded", "celery"}, chaos_report["problems"]
    for topology, entry in reports.items():
        assert entry["runs_started"] >= 1, topology
        assert entry["runs_completed"] == entry["runs_started"], (topology, entry["runs_failed"])
        assert entry["runs_unfinished"] == [], topology
    assert {name for entry in reports.values() for name in entry["runs_by_workload"]} == {
        "panjaya",
        "akool",
        "blendvision",
        "rev",
        "cdnvideo",
    }


def test_nothing_paid_or_created_twice(chaos_report: dict):
    for entry in chaos_report["reports"]:
        assert entry["duplicates"] == {}, (entry["topology"], entry["created"], entry["expected"])
        assert entry["created"] == entry["expected"], entry["topology"]
    created_vendors = {key.split(":")[0] for entry in chaos_report["reports"] for key in entry["created"]}
    assert created_vendors == VENDORS


def test_every_fault_kind_and_every_crash_kind_was_injected(chaos_report: dict):
    reports = chaos_report["reports"]
    faults = {kind: sum(entry["faults"].get(kind, 0) for entry in reports) for kind in FAULT_KINDS}
    crashes = {kind: sum(entry["crashes"].get(kind, 0) for entry in reports) for kind in CRASH_KINDS}
    assert all(count >= 1 for count in faults.values()), faults
    assert all(count >= 1 for count in crashes.values()), crashes
    faulted_vendors = {
        vendor for entry in reports for vendor, count in entry["faults_by_vendor"].items() if count
    }
    assert faulted_vendors == VENDORS
    for entry in reports:
        assert entry["fault_rate"] >= 0.2, (entry["topology"], entry["fault_rate"])


def test_the_suite_says_every_target_was_met(chaos_report: dict):
    assert chaos_report["problems"] == [], chaos_report["stderr"]
    assert chaos_report["exit_code"] == 0
