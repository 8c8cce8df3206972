"""Asking a person about an Akool create whose outcome is unknown, with Airflow's human-in-the-loop.

When Akool may have made a job whose id never arrived and neither a webhook nor a lookup can name it
(see `akool.submission`), failing the run loses the work and resending may pay twice. So the task
itself parks in Airflow's `awaiting_input` state (Airflow 3.3 HITL, the same machinery as
`HITLOperator`) with the facts shown, and resumes with the person's answer:

- **Resubmit**: send the create again (Akool may charge for that language twice: the person knows);
- **Use the job ids below**: reattach to the `_id` found in Akool's dashboard (checked against Akool);
- **Give up**: fail the task now, nothing more is sent.

The decision is written to the task's durable state store, so a crash after answering loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from airflow.sdk import Param
from airflow.sdk.exceptions import AirflowFailException

from video_localization.akool.submission import AkoolSubmitUnconfirmed, AskAboutUnconfirmed, sent_state_key
from video_localization.core.submit_once import STATE_RETENTION_DAYS

log = logging.getLogger(__name__)

RESUBMIT = "Resubmit (Akool may charge twice)"
USE_GIVEN_IDS = "Use the job ids given below"
GIVE_UP = "Give up"
#: State-store key of the languages the pending question is about.
ASKED_KEY = "akool_decision_tags"
OPTIONS = [RESUBMIT, USE_GIVEN_IDS, GIVE_UP]
SUBJECT = "Akool did not confirm the create: resubmit, give the job id, or give up?"


def decision_body(asked: AskAboutUnconfirmed) -> str:
    """The facts a person needs, as Markdown: per language, when the create was sent and what was asked."""
    lines = [
        "Akool may have started (and charged for) these translations, but its answer with the job id never "
        "arrived and Akool has no endpoint to look a job up. Check Akool's dashboard for a translation "
        "created at the time shown, then choose.",
        "",
        "| language | create sent at | webhook | request (url, source, lipsync, face_enhance, interval) |",
        "|---|---|---|---|",
    ]
    for tag, facts in asked.facts.items():
        cells = [tag, facts.get("sent_at", "?"), facts.get("webhook", "?"), facts.get("request", "")]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(lines)


def decision_params(tags: list[str]) -> dict[str, dict[str, Any]]:
    """One optional text field per language for the `_id` found in Akool's dashboard (serialized Params)."""
    return {
        tag: Param(
            None,
            type=["null", "string"],
            title=f"Akool _id of the {tag} job",
            description=f"Only with '{USE_GIVEN_IDS}': the _id of the {tag} translation in Akool's dashboard",
        ).serialize()
        for tag in tags
    }


def ask(context: Any, asked: AskAboutUnconfirmed, *, method_name: str, timeout: timedelta | None) -> None:
    """Write the question for this task instance and park it in `awaiting_input` (raises)."""
    from airflow.sdk.exceptions import TaskAwaitingInput
    from airflow.sdk.execution_time.hitl import upsert_hitl_detail

    ti = context["ti"]
    tags = list(asked.facts)
    store = _store(context)
    if store is not None:  # which languages the answer is about, read back by `apply_decision`
        store.set(ASKED_KEY, tags, retention=timedelta(days=STATE_RETENTION_DAYS))
    upsert_hitl_detail(
        ti_id=ti.id,
        options=OPTIONS,
        subject=SUBJECT,
        body=decision_body(asked),
        defaults=None,
        multiple=False,
        params=decision_params(tags),
        assigned_users=None,
    )
    log.warning("Asking a person about unconfirmed Akool creates for %s: %s", ", ".join(tags), asked)
    raise TaskAwaitingInput(method_name=method_name, timeout=timeout)


def apply_decision(context: Any, event: Mapping[str, Any] | None) -> dict[str, str]:
    """Record the person's answer; answer the job ids they gave ({tag: _id}) for the operator to adopt.

    Raises `AirflowFailException` for "Give up" and `AkoolSubmitUnconfirmed` when nobody answered.
    """
    if not event or "error" in event:
        reason = (event or {}).get("error_type") or (event or {}).get("error") or "no answer"
        raise AkoolSubmitUnconfirmed(
            f"nobody decided about the unconfirmed Akool create ({reason}); nothing was sent again"
        )
    chosen = list(event.get("chosen_options") or [])
    given = {
        str(tag): str(job_id).strip() for tag, job_id in (event.get("params_input") or {}).items() if job_id
    }
    who = event.get("responded_by_user") or "someone"
    store = _store(context)
    if GIVE_UP in chosen:
        raise AirflowFailException(f"{who} chose to give up on the unconfirmed Akool create")
    if RESUBMIT in chosen:
        if store is not None:
            _mark_resubmit(store)
        log.warning("%s chose to resubmit the unconfirmed Akool creates", who)
        return {}
    if USE_GIVEN_IDS in chosen:
        log.info("%s gave Akool job ids %s", who, given)
        return given
    raise AkoolSubmitUnconfirmed(f"unexpected decision {chosen!r}; allowed: {OPTIONS}")


def _store(context: Any) -> Any:
    return context.get("task_state_store") if hasattr(context, "get") else None


def _mark_resubmit(store: Any) -> None:
    """The asked languages' open markers say "a person chose to resend" (read by `check_unconfirmed`)."""
    for tag in store.get(ASKED_KEY) or []:
        marker = store.get(sent_state_key(tag))
        if isinstance(marker, Mapping) and marker.get("state") == "sent":
            store.set(
                sent_state_key(tag),
                {**marker, "decision": "resubmit"},
                retention=timedelta(days=STATE_RETENTION_DAYS),
            )
