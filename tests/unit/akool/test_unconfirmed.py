"""Akool creates whose outcome is unknown: never paid twice, and the run no longer fails for it.

Against the sandbox. A create that provably never reached Akool is simply sent again; one whose answer
was lost is resolved by Akool's own webhook (it carries the task's reference) or, without one, by a
person through Airflow's human-in-the-loop decision (resubmit / here is the job id / give up).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from airflow.providers.standard.triggers.temporal import DateTimeTrigger
from airflow.sdk.exceptions import AirflowFailException, TaskAwaitingInput, TaskDeferred
from fastapi import FastAPI

from akool_test_support import (
    CREATE_ROUTE,
    AkoolObjects,
    a_try_that_loses_the_answer,
    akool_objects,
    translate_operator,
)
from video_localization.akool import decision
from video_localization.akool.submission import (
    CALLBACK_REFERENCE_KEY,
    AkoolSubmitUnconfirmed,
    job_state_key,
    sent_state_key,
)
from video_localization.callbacks.app import create_callback_app
from video_localization.callbacks.ledger import REFERENCE_PARAM, MemoryLedger, reference_from, with_reference
from video_localization.core.errors import VendorError
from video_localization_dev.sandbox.akool.wire import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import serve_app

ContextFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def akool(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[AkoolObjects]:
    yield from akool_objects(sandbox, monkeypatch)


@pytest.fixture
def questions(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every human-in-the-loop question the task writes (Airflow's `upsert_hitl_detail`, recorded)."""
    asked: list[dict[str, Any]] = []
    monkeypatch.setattr(
        "airflow.sdk.execution_time.hitl.upsert_hitl_detail", lambda **detail: asked.append(detail)
    )
    return asked


class WatchedLedger(MemoryLedger):
    """A memory ledger that also keeps every job id ever recorded and every reference forgotten."""

    def __init__(self) -> None:
        super().__init__()
        self.named: set[str] = set()
        self.forgotten: list[str] = []

    def record(self, vendor: str, reference: str, job_id: str, status: str) -> None:
        super().record(vendor, reference, job_id, status)
        self.named.add(job_id)

    def forget(self, vendor: str, reference: str) -> int:
        self.forgotten.append(reference)
        return super().forget(vendor, reference)


def translate(akool: AkoolObjects, ledger: MemoryLedger | None = None, **overrides: Any) -> Any:
    """`translate_operator` whose callback ledger is in memory (a fresh one unless given)."""
    operator = translate_operator(akool, **overrides)
    operator.__dict__["callback_ledger"] = ledger or MemoryLedger()
    return operator


def answer(*chosen: str, **ids: str) -> dict[str, Any]:
    """The resume event Airflow hands the task once a person answered."""
    return {
        "chosen_options": list(chosen),
        "params_input": {tag.replace("_", "-"): job_id for tag, job_id in ids.items()},
        "responded_by_user": {"id": "admin", "name": "admin"},
    }


# -- provably never sent: sent again ----------------------------------------------------------------------
def test_a_create_that_never_reached_akool_is_simply_sent_again(
    akool: AkoolObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = make_context()
    first = translate(akool)

    def refused(request: Any) -> Any:
        error = VendorError("akool", "POST createbytranslate failed: ConnectError", retryable=True)
        error.connect_failed = True  # what the HTTP client sets when no byte left this machine
        raise error

    monkeypatch.setattr(first.hook, "create_translation", refused)
    with pytest.raises(VendorError, match="ConnectError"):
        first.execute(context)
    assert context["task_state_store"].get(sent_state_key("fr-FR"))["state"] == "not_sent"

    result = translate(akool).execute(context)
    assert result["statuses"] == {"fr-FR": "completed"}
    assert akool.created() == 1 and akool.requests_to(CREATE_ROUTE) == 1


# -- a person decides -------------------------------------------------------------------------------------
def test_without_a_webhook_a_lost_answer_asks_a_person_with_the_facts(
    akool: AkoolObjects,
    make_context: ContextFactory,
    monkeypatch: pytest.MonkeyPatch,
    questions: list[dict[str, Any]],
) -> None:
    context = make_context()
    made = a_try_that_loses_the_answer(
        translate(akool, target_locales=["fr-FR", "de-DE"]), context, monkeypatch
    )

    with pytest.raises(TaskAwaitingInput) as parked:
        translate(akool, target_locales=["fr-FR", "de-DE"]).execute(context)
    assert parked.value.method_name == "resume_after_decision"
    [question] = questions
    assert question["ti_id"] == context["ti"].id
    assert question["options"] == decision.OPTIONS and question["multiple"] is False
    assert set(question["params"]) == {"fr-FR", "de-DE"}
    assert "| fr-FR |" in question["body"] and "no webhookUrl configured" in question["body"]
    assert akool.created() == 2 and akool.requests_to(CREATE_ROUTE) == 1  # nothing sent while asking

    ids = {result.language: result.data["_id"] for result in made[0][0].all_results}
    resumed = translate(akool, target_locales=["fr-FR", "de-DE"])
    result = resumed.resume_after_decision(
        context, answer(decision.USE_GIVEN_IDS, fr_FR=ids["fr"], de_DE=ids["de"])
    )
    assert result["video_model_ids"] == {"fr-FR": ids["fr"], "de-DE": ids["de"]}
    assert result["statuses"] == {"fr-FR": "completed", "de-DE": "completed"}
    assert akool.created() == 2 and akool.requests_to(CREATE_ROUTE) == 1


def test_a_person_may_choose_to_resubmit(
    akool: AkoolObjects,
    make_context: ContextFactory,
    monkeypatch: pytest.MonkeyPatch,
    questions: list[dict[str, Any]],
) -> None:
    context = make_context()
    a_try_that_loses_the_answer(translate(akool), context, monkeypatch)
    with pytest.raises(TaskAwaitingInput):
        translate(akool).execute(context)
    result = translate(akool).resume_after_decision(context, answer(decision.RESUBMIT))
    assert result["statuses"] == {"fr-FR": "completed"}
    assert akool.created() == 2  # the price the person accepted
    assert context["task_state_store"].get(sent_state_key("fr-FR"))["state"] == "answered"


def test_giving_up_or_no_answer_fails_without_sending_anything(
    akool: AkoolObjects,
    make_context: ContextFactory,
    monkeypatch: pytest.MonkeyPatch,
    questions: list[dict[str, Any]],
) -> None:
    context = make_context()
    a_try_that_loses_the_answer(translate(akool), context, monkeypatch)
    with pytest.raises(AirflowFailException, match="chose to give up"):
        translate(akool).resume_after_decision(context, answer(decision.GIVE_UP))
    with pytest.raises(AkoolSubmitUnconfirmed, match=r"nobody decided .*timeout"):
        translate(akool).resume_after_decision(context, {"error": "timed out", "error_type": "timeout"})
    assert akool.requests_to(CREATE_ROUTE) == 1 and akool.created() == 1


def test_a_given_id_of_another_language_is_refused(
    akool: AkoolObjects,
    make_context: ContextFactory,
    monkeypatch: pytest.MonkeyPatch,
    questions: list[dict[str, Any]],
) -> None:
    other = akool.create(languages=("de",)).data.id
    context = make_context()
    a_try_that_loses_the_answer(translate(akool), context, monkeypatch)
    with pytest.raises(Exception, match="a job translating into 'fr'"):
        translate(akool).resume_after_decision(context, answer(decision.USE_GIVEN_IDS, fr_FR=other))
    assert context["task_state_store"].get(job_state_key("fr-FR")) is None


# -- Akool's webhook names the job ------------------------------------------------------------------------
@contextmanager
def receiver(ledger: MemoryLedger) -> Iterator[str]:
    """The project's callback app, served on loopback with the sandbox's Akool credentials."""
    app: FastAPI = create_callback_app(
        akool_credentials=lambda _conn: (SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET), ledger=ledger
    )
    with serve_app(app, "akool-ledger-receiver") as base_url:
        yield f"{base_url}/akool/akool_default"


def test_akools_webhook_names_the_job_of_a_lost_answer(
    akool: AkoolObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = WatchedLedger()
    with receiver(ledger) as hook_url:
        context = make_context()
        made = a_try_that_loses_the_answer(
            translate(akool, ledger, webhook_url=hook_url, target_locales=["fr-FR", "de-DE"]),
            context,
            monkeypatch,
        )
        reference = context["task_state_store"].get(CALLBACK_REFERENCE_KEY)
        sent_url = made[0][1].wire()["webhookUrl"]
        assert reference_from(dict(httpx.URL(sent_url).params)) == reference  # the create carried it

        # The retry waits (in the worker here, polling every 50 ms) until Akool's webhooks name the jobs.
        retry = translate(
            akool,
            ledger,
            webhook_url=hook_url,
            target_locales=["fr-FR", "de-DE"],
            callback_wait=60,
            callback_poll_interval=0.05,
        )
        result = retry.execute(context)
    ids = {result.language: result.data["_id"] for result in made[0][0].all_results}
    assert result["video_model_ids"] == {"fr-FR": ids["fr"], "de-DE": ids["de"]}
    assert result["statuses"] == {"fr-FR": "completed", "de-DE": "completed"}
    assert akool.created() == 2 and akool.requests_to(CREATE_ROUTE) == 1
    assert set(ids.values()) <= ledger.named
    # forgotten once the jobs were adopted, and again at the end (webhooks of later status changes)
    assert ledger.forgotten == [reference, reference]


def test_a_deferrable_task_waits_for_the_webhook_in_the_triggerer(
    akool: AkoolObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = MemoryLedger()
    context = make_context()
    made = a_try_that_loses_the_answer(
        translate(akool, ledger, webhook_url="http://127.0.0.1:9/akool/akool_default"), context, monkeypatch
    )
    overrides = {"webhook_url": "http://127.0.0.1:9/akool/akool_default", "deferrable": True}
    with pytest.raises(TaskDeferred) as deferred:
        translate(akool, ledger, callback_poll_interval=30, **overrides).execute(context)
    assert isinstance(deferred.value.trigger, DateTimeTrigger)
    assert deferred.value.method_name == "resume_submit"

    # The webhook arrives while the task is deferred; the resumed task reattaches and pays nothing.
    reference = context["task_state_store"].get(CALLBACK_REFERENCE_KEY)
    ledger.record("akool", reference, made[0][0].data.id, "processing")
    akool.sandbox.sandbox.settings.step_seconds = 0  # the job is done by now, however slow this machine
    result = translate(akool, ledger, **overrides).resume_submit(context, None)
    assert result["statuses"] == {"fr-FR": "completed"}  # done already in the sandbox: no second defer
    assert context["task_state_store"].get(job_state_key("fr-FR")) == made[0][0].data.id
    assert akool.created() == 1 and akool.requests_to(CREATE_ROUTE) == 1
    assert ledger.job_ids("akool", reference) == []  # the task holds its job: its entries are gone


def test_when_no_webhook_comes_in_time_a_person_is_asked(
    akool: AkoolObjects,
    make_context: ContextFactory,
    monkeypatch: pytest.MonkeyPatch,
    questions: list[dict[str, Any]],
) -> None:
    ledger = MemoryLedger()
    context = make_context()
    url = "http://127.0.0.1:9/akool/akool_default"
    a_try_that_loses_the_answer(translate(akool, ledger, webhook_url=url), context, monkeypatch)
    with pytest.raises(TaskAwaitingInput):
        translate(akool, ledger, webhook_url=url, callback_wait=timedelta(0)).execute(context)
    assert "sent, none named a job" in questions[0]["body"]


# -- the reference in the URL -----------------------------------------------------------------------------
def test_the_reference_rides_in_the_webhook_query_and_only_a_well_formed_one_is_read() -> None:
    url = with_reference(
        "https://hooks.example/akool/akool_default?x=1&vloc_ref=old0000000", "abcDEF_-12345678"
    )
    query = dict(httpx.URL(url).params)
    assert query == {"x": "1", REFERENCE_PARAM: "abcDEF_-12345678"}
    assert reference_from(query) == "abcDEF_-12345678"
    assert reference_from({REFERENCE_PARAM: "../../etc"}) is None
    with pytest.raises(ValueError, match="URL-safe"):
        with_reference("https://h/x", "a b")


def test_the_receiver_records_only_verified_webhooks_with_a_well_formed_reference() -> None:
    import warnings

    from video_localization.akool.webhook import envelope_for

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    ledger = MemoryLedger()
    app = create_callback_app(
        akool_credentials=lambda _conn: (SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET), ledger=ledger
    )
    job = {"_id": "65f8180c24d9989e93dde3b6", "status": 2, "type": "video translate", "url": ""}

    def fresh(status: int = 2) -> dict:  # each delivery different: the receiver refuses a replayed one
        return envelope_for({**job, "status": status}, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)

    with TestClient(app) as client:
        assert client.post("/akool/akool_default?vloc_ref=abcdefgh12345678", json=fresh()).status_code == 200
        assert client.post("/akool/akool_default?vloc_ref=../../x", json=fresh(1)).status_code == 200
        assert client.post("/akool/akool_default", json=fresh(3)).status_code == 200
        forged = {**fresh(), "signature": "0" * 40}
        assert client.post("/akool/akool_default?vloc_ref=forgedref0000000", json=forged).status_code == 401
    assert ledger.recorded == {("akool", "abcdefgh12345678"): {"65f8180c24d9989e93dde3b6": "processing"}}
