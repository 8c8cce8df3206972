"""What a chaos run found, per topology and in total, and the verdict against the targets.

Everything counted here comes from the systems themselves: run states from Airflow's REST API, faults
from the sandbox's log of fired rules, created objects from the sandbox's `created` counters, kills
from the driver's own SIGKILLs (a kill rule whose process was not found is counted apart, never as a
crash). Duplicates are what the sandbox created beyond what the completed runs needed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

from chaos.crashes import CRASH_KINDS
from chaos.faults import KINDS


@dataclass
class TopologyReport:
    """One topology's figures."""

    topology: str
    runs_started: int = 0
    runs_completed: int = 0
    runs_failed: list[dict[str, Any]] = field(default_factory=list)
    runs_unfinished: list[str] = field(default_factory=list)
    runs_by_workload: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)  # kind -> fired
    faults_after_vendor_acted: int = 0
    requests_seen: Counter = field(default_factory=Counter)  # vendor -> requests the sandbox saw
    faults_by_vendor: Counter = field(default_factory=Counter)
    crashes: Counter = field(default_factory=Counter)
    kills: list[dict[str, Any]] = field(default_factory=list)  # each task kill: vendor, path, command
    kills_missed: int = 0
    component_deaths: list[str] = field(default_factory=list)  # restarts the keeper had to make
    human_answers: Counter = field(default_factory=Counter)
    unanswered_questions: list[str] = field(default_factory=list)
    created: Counter = field(default_factory=Counter)
    expected: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    skipped: str | None = None

    @property
    def injections(self) -> int:
        return sum(self.faults.values()) + sum(self.crashes.values())

    @property
    def duplicates(self) -> dict[str, int]:
        """What was created beyond what the runs needed (only meaningful when every run completed)."""
        keys = set(self.created) | set(self.expected)
        return {
            key: self.created[key] - self.expected[key]
            for key in sorted(keys)
            if self.created[key] > self.expected[key]
        }

    @property
    def missing(self) -> dict[str, int]:
        keys = set(self.created) | set(self.expected)
        return {
            key: self.expected[key] - self.created[key]
            for key in sorted(keys)
            if self.created[key] < self.expected[key]
        }

    @property
    def fault_rate(self) -> float:
        seen = sum(self.requests_seen.values())
        return sum(self.faults.values()) / seen if seen else 0.0

    def as_dict(self) -> dict[str, Any]:
        # Not `dataclasses.asdict`: it rebuilds a Counter from (key, value) pairs, counting the pairs.
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        data.update(
            injections=self.injections,
            duplicates=self.duplicates,
            missing=self.missing,
            fault_rate=round(self.fault_rate, 4),
        )
        return {key: dict(value) if isinstance(value, Counter) else value for key, value in data.items()}


def _line(label: str, value: object) -> str:
    return f"  {label:<40} {value}"


def render(report: TopologyReport) -> str:
    if report.skipped:
        return f"== {report.topology}: SKIPPED ({report.skipped})"
    lines = [f"== {report.topology} ({report.seconds:.0f} s)"]
    lines.append(_line("runs started / completed", f"{report.runs_started} / {report.runs_completed}"))
    lines.append(_line("runs by workload", dict(sorted(report.runs_by_workload.items()))))
    for failed in report.runs_failed:
        lines.append(_line("  FAILED run", failed))
    for run_id in report.runs_unfinished:
        lines.append(_line("  NOT FINISHED run", run_id))
    seen = sum(report.requests_seen.values())
    lines.append(
        _line(
            "vendor faults fired / requests seen",
            f"{sum(report.faults.values())} / {seen} ({100 * report.fault_rate:.1f} %)",
        )
    )
    lines.append(_line("faults by kind", {kind: report.faults[kind] for kind in KINDS}))
    lines.append(_line("  of which after the vendor created", report.faults_after_vendor_acted))
    per_vendor = {
        vendor: f"{report.faults_by_vendor[vendor]}/{report.requests_seen[vendor]}"
        for vendor in sorted(report.requests_seen)
    }
    lines.append(_line("faults / requests per vendor", per_vendor))
    lines.append(_line("crashes by kind", {kind: report.crashes[kind] for kind in CRASH_KINDS}))
    for kill in report.kills:
        lines.append(
            _line("  task killed after create", f"{kill['vendor']} {kill['path']}: {kill['command'][:70]}")
        )
    if report.kills_missed:
        lines.append(_line("  kill rules fired, no process killed", report.kills_missed))
    lines.append(_line("injections (faults + crashes)", report.injections))
    lines.append(_line("human answers", dict(report.human_answers) or "none asked"))
    if report.unanswered_questions:
        lines.append(_line("  questions left unanswered", report.unanswered_questions))
    if report.component_deaths:
        lines.append(_line("components that died on their own", report.component_deaths))
    lines.append(_line("created at the vendors / expected", ""))
    for key in sorted(set(report.created) | set(report.expected)):
        lines.append(_line(f"  {key}", f"{report.created[key]} / {report.expected[key]}"))
    lines.append(_line("duplicates", report.duplicates or "none"))
    if report.missing:
        lines.append(_line("missing (runs that did not complete)", report.missing))
    return "\n".join(lines)


def verdict(reports: list[TopologyReport], min_injections: int) -> list[str]:
    """Every target missed (empty: all met): 100 % of runs complete, no duplicate, enough injections."""
    problems = []
    ran = [report for report in reports if not report.skipped]
    for report in reports:
        if report.skipped:
            problems.append(f"{report.topology}: skipped ({report.skipped})")
    for report in ran:
        if report.runs_completed != report.runs_started or report.runs_started == 0:
            problems.append(
                f"{report.topology}: {report.runs_completed} of {report.runs_started} runs completed"
            )
        if report.duplicates:
            problems.append(f"{report.topology}: duplicates {report.duplicates}")
    injections = sum(report.injections for report in ran)
    if injections < min_injections:
        problems.append(f"{injections} injections, fewer than {min_injections}")
    return problems
