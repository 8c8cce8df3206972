"""Drives one topology through the chaos: start the stack, launch runs, inject, crash, answer, count.

One loop, in the driver's thread, launches runs up to `max_in_flight`, keeps the fault streams queued
for the vendors of the runs in flight, answers pending human questions, kills the triggerer or the
scheduler while a task waits deferred, restarts whatever died on its own (counted), and follows each
run to its end through the REST API (a run is complete when Airflow says `success` and its manifest's
files verify). A second thread watches the sandbox's fault log for kill rules and kills the task
process that sent the create (`chaos.crashes`), so that kill does not wait behind a slow REST call.

Nothing is retried or cleared by hand: a run's retries are its DAG's own, and a run that fails stays
failed in the report.
"""

from __future__ import annotations

import json
import random
import shutil
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from chaos import crashes, topologies
from chaos.faults import CREATE_ENDPOINTS, FaultInjector, kind_of
from chaos.human import Person
from chaos.report import TopologyReport
from chaos.workloads import LOCALIZE, TALKING_HEAD, WORKLOADS
from video_localization_dev.demo import verify_manifest
from video_localization_dev.rest import AirflowRest, AirflowRestError
from video_localization_dev.stack import ADMIN_USER, Stack

DAG_IDS = (LOCALIZE, TALKING_HEAD)
LOOP_SECONDS = 1.0
KILL_WATCH_SECONDS = 0.3
#: Seconds between two task kills at one vendor: crashes are spaced so that a task's retry (30 s, then
#: 60 s later) is not the next one hit, as rare events would be (components: `Plan.component_kill_gap`).
TASK_KILL_GAP = 150.0
#: Pause between a component's SIGKILL and its restart.
RESTART_PAUSE = 2.0


@dataclass(frozen=True)
class Plan:
    """What to do on one topology."""

    topology: str
    workloads: list[str]
    max_in_flight: int
    task_kills: int
    triggerer_kills: int
    scheduler_kills: int
    deadline_seconds: float
    seed: int = 13
    #: Seconds between two component kills (from the start too); the small profile's runs are short.
    component_kill_gap: float = 90.0


@dataclass
class _Run:
    run_id: str
    workload: str
    token: str
    output: Path
    started: float = field(default_factory=time.monotonic)


class _KillWatcher(threading.Thread):
    """Queues kill rules on creates, one per vendor at a time, and kills the sender when one fires."""

    def __init__(
        self, stack: Stack, vendors: list[str], budget: int, report: TopologyReport, lock, rng, log
    ) -> None:
        super().__init__(name="chaos-kill-watcher", daemon=True)
        self.log = log
        self.stack = stack
        self.vendors = vendors
        self.budget = budget
        self.report = report
        self.lock = lock
        self.rng = rng
        self.stop_event = threading.Event()
        self.queued = 0
        self.handled: set[str] = set()
        self.pending_vendors: set[str] = set()
        self.resolved_at: dict[str, float] = {}
        self.fired: list[dict[str, Any]] = []
        self.error: str | None = None

    def _queue(self, client: httpx.Client, vendor: str) -> None:
        method, path = self.rng.choice(CREATE_ENDPOINTS[vendor])
        self.queued += 1
        rule = crashes.kill_rule(vendor, method, path, self.queued)
        client.post(f"{self.stack.sandbox_url}/_sandbox/faults", json=rule, timeout=30).raise_for_status()
        self.pending_vendors.add(vendor)

    def _queue_more(self, client: httpx.Client) -> None:
        with self.lock:
            done = self.report.crashes["task-killed-after-create"]
        for vendor in self.vendors:
            in_flight = len(self.pending_vendors)
            if done + in_flight >= self.budget or self.queued >= 3 * self.budget:
                return
            resolved = self.resolved_at.get(vendor)
            if vendor not in self.pending_vendors and (
                resolved is None or time.monotonic() - resolved > TASK_KILL_GAP
            ):
                self._queue(client, vendor)

    def run(self) -> None:
        with httpx.Client() as client:
            while not self.stop_event.is_set():
                try:
                    self._once(client)
                except (httpx.HTTPError, OSError) as error:
                    self.error = f"{type(error).__name__}: {error}"
                self.stop_event.wait(KILL_WATCH_SECONDS)

    def _once(self, client: httpx.Client) -> None:
        self._queue_more(client)
        faults = client.get(f"{self.stack.sandbox_url}/_sandbox/faults", timeout=30).json()
        self.fired = faults["fired"]
        for index, fault in enumerate(faults["fired"]):
            label = fault.get("label") or ""
            key = f"{label}#{index}"
            if not label.startswith(crashes.KILL_LABEL) or key in self.handled:
                continue
            status = fault.get("vendor_status")
            held_too_long = time.time() - fault["at"] > crashes.HOLD_SECONDS
            if status is None and not held_too_long:
                continue  # the vendor is still acting: look again shortly
            self.handled.add(key)
            self.pending_vendors.discard(fault["vendor"])
            self.resolved_at[fault["vendor"]] = time.monotonic()
            killed = None
            if status is not None and 200 <= status < 300 and fault.get("client"):
                stack_pids = {process.pid for process in self.stack.processes.values()}
                killed = crashes.kill_sender(fault["client"][1], self.stack.sandbox_port, stack_pids)
            with self.lock:
                if killed is None:
                    self.report.kills_missed += 1
                else:
                    self.report.crashes["task-killed-after-create"] += 1
                    self.report.kills.append(
                        {
                            "vendor": fault["vendor"],
                            "path": fault["path"],
                            "pid": killed[0],
                            "command": killed[1],
                        }
                    )
            what = (
                f"SIGKILL to pid {killed[0]} ({killed[1][:60]})"
                if killed
                else f"no process killed (the vendor answered {status})"
            )
            self.log(f"[{self.report.topology}] {fault['vendor']} created at {fault['path']}: {what}")


class Driver:
    def __init__(self, plan: Plan, stack: Stack, log=print) -> None:
        self.plan = plan
        self.stack = stack
        self.log = log
        self.rng = random.Random(plan.seed)
        self.report = TopologyReport(plan.topology)
        self.lock = threading.Lock()
        self.rest = AirflowRest(stack.api_url, ADMIN_USER, stack.password, timeout=120)
        self.client = httpx.Client()
        self.injector = FaultInjector(stack.sandbox_url, self.rng)
        self.tokens: dict[str, str] = {}
        self.person = Person(self.rest, self.tokens)
        self.active: dict[str, _Run] = {}
        self.last_component_kill = time.monotonic()
        self.component_kills_left = Counter(
            {"triggerer": plan.triggerer_kills, "scheduler": plan.scheduler_kills}
        )

    # -- runs -------------------------------------------------------------------------------------
    def _launch(self, workload_name: str, serial: int) -> None:
        workload = WORKLOADS[workload_name]
        token = uuid.uuid4().hex[:10]
        run_id = f"chaos__{self.plan.topology}__{serial:03d}__{workload_name}__{token}"
        output = self.stack.output_dir / workload_name
        output.mkdir(parents=True, exist_ok=True)
        conf = workload.conf(self.stack.sandbox_url, output, token)
        for attempt in range(5):
            try:
                self.rest.trigger(workload.dag_id, conf, run_id=run_id)
                break
            except (AirflowRestError, httpx.HTTPError) as error:
                if attempt == 4:
                    raise
                self.log(f"[{self.plan.topology}] trigger of {run_id} failed ({error}); again")
                time.sleep(3)
        self.tokens[run_id] = token
        self.active[run_id] = _Run(run_id, workload_name, token, output)
        self.report.runs_started += 1
        self.report.runs_by_workload[workload_name] += 1
        self.report.expected.update(workload.expected)

    def _delivered_problems(self, run: _Run) -> list[str]:
        """What is wrong with the run's delivered files (its manifest in the output folder)."""
        workload = WORKLOADS[run.workload]
        manifest_path = run.output / run.run_id / "manifest.json"
        if not manifest_path.is_file():
            return [f"no manifest at {manifest_path}"]
        manifest = json.loads(manifest_path.read_text())
        conf = workload.conf(self.stack.sandbox_url, run.output, run.token)
        if workload.dag_id == LOCALIZE:
            formats = len(conf.get("caption_formats") or [])
            return verify_manifest(manifest, conf["target_languages"], caption_formats=formats)
        return verify_manifest(manifest, list(conf["scripts"]))

    def _follow_runs(self) -> None:
        for run_id, run in list(self.active.items()):
            dag_id = WORKLOADS[run.workload].dag_id
            state = self.rest.dag_run(dag_id, run_id)["state"]
            if state not in ("success", "failed"):
                continue
            del self.active[run_id]
            problems = self._delivered_problems(run) if state == "success" else []
            took = time.monotonic() - run.started
            if state == "success" and not problems:
                self.report.runs_completed += 1
                self.log(f"[{self.plan.topology}] {run_id} completed in {took:.0f} s")
                continue
            failed_tasks = [
                f"{ti['task_id']}[{ti['map_index']}] {ti['state']}"
                for ti in self.rest.task_instances(dag_id, run_id)
                if ti["state"] not in ("success", "skipped")
            ]
            self.report.runs_failed.append(
                {"run_id": run_id, "state": state, "problems": problems, "tasks": failed_tasks}
            )
            self.log(
                f"[{self.plan.topology}] {run_id} did NOT complete ({state}): {problems or failed_tasks}"
            )

    # -- crashes of components --------------------------------------------------------------------
    def _someone_waits_deferred(self) -> bool:
        for run_id, run in list(self.active.items())[:4]:
            instances = self.rest.task_instances(WORKLOADS[run.workload].dag_id, run_id)
            if any(ti["state"] == "deferred" for ti in instances):
                return True
        return False

    def _maybe_kill_component(self) -> None:
        if (
            not +self.component_kills_left
            or time.monotonic() - self.last_component_kill < self.plan.component_kill_gap
        ):
            return
        if not self._someone_waits_deferred():
            return
        name = max(self.component_kills_left, key=lambda key: (self.component_kills_left[key], key))
        self.stack.kill(name)  # SIGKILL to its whole process group
        time.sleep(RESTART_PAUSE)
        self.stack.restart(name)
        self.last_component_kill = time.monotonic()
        self.component_kills_left[name] -= 1
        with self.lock:
            self.report.crashes[f"{name}-killed"] += 1
        self.log(f"[{self.plan.topology}] killed the {name} while tasks waited deferred; restarted it")

    def _keep_alive(self) -> None:
        """Restart a component that died without being killed here, and count it."""
        for name in self.stack.keep_alive(report=lambda line: self.log(f"[{self.plan.topology}] {line}")):
            self.report.component_deaths.append(name)

    # -- the loop ---------------------------------------------------------------------------------
    def run(self) -> TopologyReport:
        started = time.monotonic()
        for dag_id in DAG_IDS:
            self.rest.wait_for_dag(dag_id, timeout=300)
            self.rest.unpause(dag_id)
        vendors = sorted({vendor for name in self.plan.workloads for vendor in WORKLOADS[name].vendors})
        watcher = _KillWatcher(
            self.stack, vendors, self.plan.task_kills, self.report, self.lock, self.rng, self.log
        )
        watcher.start()
        queue = list(self.plan.workloads)
        serial = 0
        deadline = started + self.plan.deadline_seconds
        try:
            while (queue or self.active) and time.monotonic() < deadline:
                while queue and len(self.active) < self.plan.max_in_flight:
                    serial += 1
                    self._launch(queue.pop(0), serial)
                faults = self.injector.sandbox_faults(self.client)
                active_vendors = {v for run in self.active.values() for v in WORKLOADS[run.workload].vendors}
                self.injector.top_up(self.client, active_vendors, faults["pending"])
                self.person.answer_pending(faults["fired"])
                self._keep_alive()
                self._maybe_kill_component()
                self._follow_runs()
                time.sleep(LOOP_SECONDS)
        finally:
            watcher.stop_event.set()
            watcher.join(timeout=30)
            self.injector.clear(self.client)
        self.report.runs_unfinished = sorted(self.active)
        self._count(watcher)
        self.report.seconds = time.monotonic() - started
        return self.report

    def _count(self, watcher: _KillWatcher) -> None:
        counters = self.client.get(f"{self.stack.sandbox_url}/_sandbox/counters", timeout=30).json()
        fired = self.injector.sandbox_faults(self.client)["fired"]
        report = self.report
        report.created.update(counters["created"])
        report.requests_seen.update(counters["seen_by_vendor"])
        for fault in fired:
            kind = kind_of(fault.get("label"))
            if kind is None:
                continue
            report.faults[kind] += 1
            report.faults_by_vendor[fault["vendor"]] += 1
            status = fault.get("vendor_status")
            if fault["after_effect"] and status is not None and 200 <= status < 300:
                report.faults_after_vendor_acted += 1
        report.human_answers.update(self.person.answers)
        report.unanswered_questions = list(self.person.unknown)
        if watcher.error:
            self.log(f"[{self.plan.topology}] kill watcher's last error: {watcher.error}")

    def close(self) -> None:
        self.client.close()
        self.rest.close()


def run_topology(plan: Plan, log=print) -> TopologyReport:
    """Start the topology, drive it, stop it; a topology that cannot start here is reported skipped."""
    try:
        context = topologies.started(plan.topology)
        stack = context.__enter__()
    except topologies.TopologyUnavailable as reason:
        return TopologyReport(plan.topology, skipped=str(reason))
    log(
        f"[{plan.topology}] stack up: Airflow {stack.api_url}, sandbox {stack.sandbox_url}, home {stack.home}"
    )
    driver = Driver(plan, stack, log)
    failed = True
    try:
        report = driver.run()
        failed = bool(report.runs_failed or report.runs_unfinished)
        return report
    finally:
        driver.close()
        context.__exit__(None, None, None)
        if failed:
            log(f"[{plan.topology}] logs kept in {stack.home / 'logs'}")
        else:
            shutil.rmtree(stack.home.parent, ignore_errors=True)
