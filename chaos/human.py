"""The person the project asks: answers Airflow's human-in-the-loop questions raised during the chaos.

When an Akool create went unconfirmed (its answer lost, no webhook to name the job), the task asks a
person: resubmit, here is the job id, or give up (`video_localization.akool.decision`). A person would
look in Akool's dashboard for the run's translation; here the dashboard is the sandbox's log of fired
faults, which keeps the answer Akool gave and the client never read (`vendor_body`). Each Akool run's
source URL carries a token of its own (`chaos.workloads`), so its jobs are told apart from other runs'.

- the run's job for every asked language is there: "Use the job ids given below", with those ids;
- none is there (the create never acted: a fault before the vendor, or a timeout that held the
  request): "Resubmit", which pays nothing twice because nothing was created;
- some are: the ids known, the rest asked again later.

The person answers a question no sooner than `READ_SECONDS` after it was asked: an answer within a
few seconds of the question meets Airflow's resume race (docs/airflow-resume-race.md) the same way a
trigger firing at once does. The parked workload's late exit event ends the resumed one ("Task
Instance not found"), and the try is lost; seen twice in one run of this suite with answers 3-5 s after
the question, costing that run its last retry. A person who reads the facts and looks in a dashboard
takes longer than that.

A question this module does not know is left unanswered and counted: the run then does not complete,
and the report says so. Every answer is counted by kind.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from video_localization.akool.decision import RESUBMIT, SUBJECT, USE_GIVEN_IDS
from video_localization_dev.rest import AirflowRest

AKOOL_CREATE = "/akool/content/video/createbytranslate"
#: Seconds between a question and its answer (see the module's docstring).
READ_SECONDS = 30.0


def akool_jobs_of_run(fired: list[dict[str, Any]], token: str) -> dict[str, str]:
    """{Akool language code: job _id} of the creates for the run with `token` whose answer was lost."""
    jobs: dict[str, str] = {}
    for fault in fired:
        if fault["vendor"] != "akool" or not fault["path"].startswith(AKOOL_CREATE):
            continue
        if not fault["after_effect"] or fault.get("vendor_status") != 200 or not fault.get("vendor_body"):
            continue
        try:
            body = json.loads(fault["vendor_body"])
        except ValueError:
            continue
        results = body.get("all_results") or [body]
        for result in results:
            data = result.get("data") or {}
            if result.get("code") == 1000 and token in str(data.get("target_video", "")) and data.get("_id"):
                jobs[str(data.get("language"))] = str(data["_id"])
    return jobs


def _language_of(tag: str) -> str:
    """Akool's code of a locale as the workloads use them (fr-FR -> fr)."""
    return tag.split("-", 1)[0].lower()


class Person:
    """Answers the pending questions of the runs it knows; counts every answer."""

    def __init__(self, rest: AirflowRest, tokens: dict[str, str]) -> None:
        self.rest = rest
        self.tokens = tokens  # run_id -> the run's token in its Akool source URL
        self.answers: Counter = Counter()
        self.unknown: list[str] = []

    def answer_pending(self, fired: list[dict[str, Any]]) -> None:
        asks = self.rest._call(
            "GET", "/api/v2/dags/~/dagRuns/~/hitlDetails", params={"response_received": False, "limit": 100}
        )
        for detail in asks.get("hitl_details", []):
            ti = detail["task_instance"]
            run_id = ti["dag_run_id"]
            where = f"{ti['dag_id']}/{run_id}/{ti['task_id']}[{ti['map_index']}]"
            if detail.get("subject") != SUBJECT or run_id not in self.tokens:
                if where not in self.unknown:
                    self.unknown.append(where)
                continue
            asked_at = datetime.fromisoformat(detail["created_at"].replace("Z", "+00:00"))
            if (datetime.now(UTC) - asked_at).total_seconds() < READ_SECONDS:
                continue
            self._answer_akool(ti, detail, akool_jobs_of_run(fired, self.tokens[run_id]))

    def _answer_akool(self, ti: dict[str, Any], detail: dict[str, Any], jobs: dict[str, str]) -> None:
        tags = list((detail.get("params") or {}).keys())
        given = {tag: jobs[_language_of(tag)] for tag in tags if _language_of(tag) in jobs}
        if given:
            body: dict[str, Any] = {"chosen_options": [USE_GIVEN_IDS], "params_input": given}
            kind = "Akool: gave the job ids found in the dashboard"
        else:
            body = {"chosen_options": [RESUBMIT], "params_input": {}}
            kind = "Akool: resubmit (no job in the dashboard)"
        path = (
            f"/api/v2/dags/{ti['dag_id']}/dagRuns/{quote(ti['dag_run_id'], safe='')}"
            f"/taskInstances/{ti['task_id']}/{ti['map_index']}/hitlDetails"
        )
        self.rest._call("PATCH", path, json=body)
        self.answers[kind] += 1
