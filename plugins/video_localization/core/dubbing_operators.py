"""The steps of `localize_video` as vendor-neutral operators: prepare (per vendor group), dub and deliver
(per language), each running the chosen vendor's own operator through its adapter.

Why nested operators: each vendor's operators already hold its submit-once rules, its deferral and its
trigger; a step operator builds the vendor's operator for this language (`DubbingVendor.dub(...)`), runs
it inside its own task instance, and turns that operator's deferral into its own (same trigger, and the
state needed to rebuild it when the trigger fires). So the grid shows the user's steps as rows whatever the
vendors, and every vendor keeps one implementation.

Fallback lives in `DubLanguageOperator`: when a vendor fails a language for a vendor-side reason and the run
allows fallback, the language is prepared and dubbed at the next capable vendor, once, inside the same task
instance. The vendors already tried are kept in the task state store, so an Airflow retry of the task never
pays a failed vendor again for that language.

Resuming a deferred step: the state needed to rebuild the vendor operator (vendor, stage, ids, the
method it deferred to) travels in the deferral's kwargs *and* in the task state store. Airflow's scheduler
hands the kwargs back with the event, but `dag.test()` resumes a task with the event only; a step resumed
without its state used to restart the vendor operator's `execute`, which does not reattach to a failed
job: every resume paid for a new one (28-94 Panjaya assets for one bad-input run). So a step reads its
state back from the store, and refuses to run at all when it has none, rather than start over.

Nothing here imports a vendor at module import: the DAG file imports this module at parse time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import BaseOperator, conf
from airflow.sdk.exceptions import AirflowFailException, TaskDeferred

from video_localization.core.dubbing import StepSpec, dubbing_vendor, failure_words
from video_localization.core.errors import VendorError
from video_localization.panjaya.links import PanjayaStudioLink

#: Task state store key: the attempts of one language (vendors tried, why they failed), across retries.
ATTEMPTS_STATE_KEY = "vloc_dub_attempts"
#: Task state store key of a deferred step's state (what `resume_step` needs to rebuild the vendor operator).
STEP_STATE_KEY = "vloc_step_state"
#: How long the stores above keep a value: far past any vendor job's lifetime.
STATE_RETENTION = timedelta(days=60)
#: XCom key of a language's final failure `{"locale", "vendor", "reason", "attempts"}`, for the manifest.
FAILURE_XCOM_KEY = "dub_failure"


def now() -> str:
    return datetime.now(UTC).isoformat()


def _run_execute(operator: BaseOperator, context: Any) -> Any:
    """`operator.execute(context)` inside this task instance, as the task runner would call it.

    Airflow guards `execute` against calls from outside its task runner (it logs a warning per call); a
    nested vendor operator is run on purpose, so it is marked as the running operator for the call.
    """
    from airflow.sdk.bases.operator import ExecutorSafeguard

    token = ExecutorSafeguard.tracker.set(operator)
    try:
        return operator.execute(context)
    finally:
        ExecutorSafeguard.tracker.reset(token)


class NestedVendorStepOperator(BaseOperator):
    """Base of the step operators: runs a vendor operator's `execute` (or the method it deferred to) and
    re-raises its deferral as this task's, resuming in `resume_step` with `state` to rebuild it."""

    ui_color = "#e8f1fb"

    def __init__(
        self,
        *,
        plan: Mapping[str, Any] | Any,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float = 10.0,
        max_poll_interval: float = 120.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.deferrable = deferrable
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval

    # -- what subclasses provide ----------------------------------------------------------------------
    def build(self, state: dict[str, Any]) -> BaseOperator:
        raise NotImplementedError

    def advance(self, context: Any, state: dict[str, Any]) -> Any:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------------------
    def operator_kwargs(self) -> dict[str, Any]:
        return {
            "deferrable": self.deferrable,
            "poll_interval": self.poll_interval,
            "max_poll_interval": self.max_poll_interval,
        }

    def spec(self, vendor: str, **parts: Any) -> StepSpec:
        return StepSpec(
            vendor=vendor,
            options=(self.plan.get("options") or {}).get(vendor, {}),
            operator_kwargs=self.operator_kwargs(),
            **parts,
        )

    def run_step(self, context: Any, state: dict[str, Any]) -> Any:
        """Run the vendor operator of `state` from where it stopped; its deferral becomes ours."""
        inner = self.build(state)
        method = state.get("method") or "execute"
        try:
            if method == "execute":
                return _run_execute(inner, context)
            return getattr(inner, method)(
                context, event=state.get("event"), **(state.get("method_kwargs") or {})
            )
        except TaskDeferred as deferred:
            saved = {key: value for key, value in state.items() if key != "event"}
            saved.update(method=deferred.method_name, method_kwargs=deferred.kwargs or {})
            _store_json(context, STEP_STATE_KEY, saved)  # before deferring: a resume may come without it
            raise TaskDeferred(
                trigger=deferred.trigger,
                method_name="resume_step",
                kwargs={"state": saved},
                timeout=deferred.timeout,
            ) from None

    def resume_step(self, context: Any, event: Any = None, state: dict[str, Any] | None = None) -> Any:
        """Go on where the vendor operator deferred: its state from the deferral's kwargs, else from the
        task state store; never from the start (a restarted `execute` could pay for a new job)."""
        if not state:
            state = _stored_json(context, STEP_STATE_KEY)
        if not state or not state.get("method"):
            raise AirflowFailException(
                f"{self.task_id}: resumed without the state of its deferred vendor step; not starting the "
                "step over, which could pay for a job again (clear the task to start a new try)"
            )
        return self.advance(context, {**state, "event": event})


class PrepareVendorOperator(NestedVendorStepOperator):
    """Prepare the source once for one vendor's group of languages (asset, translate request, upload).

    Returns `{"vendor", "locales", "languages": {locale: ids}, "failure": None | {...}, "prepared_at"}`.
    With fallback on, a vendor-side failure is answered (not raised), so each language of the group can
    move to its next vendor; bad input always fails the task.
    """

    template_fields: Sequence[str] = ("group", "plan")

    def __init__(self, *, group: Mapping[str, Any] | Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.group = group

    def build(self, state: dict[str, Any]) -> BaseOperator:
        vendor = self.group["vendor"]
        return dubbing_vendor(vendor).prepare(self.spec(vendor, group=self.group))

    def execute(self, context: Any) -> Any:
        return self.advance(context, {"method": "execute"})

    def advance(self, context: Any, state: dict[str, Any]) -> Any:
        vendor = self.group["vendor"]
        adapter = dubbing_vendor(vendor)
        try:
            prepared = self.run_step(context, state)
        except VendorError as failure:
            vendor_side = adapter.vendor_side(failure)
            if not vendor_side and not failure.retryable:
                # Bad input fails everywhere: never moved, never retried (a retry could pay again).
                raise AirflowFailException(
                    f"{vendor} refused {', '.join(self.group['locales'])}: {failure_words(failure)} "
                    "(bad input: not moved to another vendor)"
                ) from failure
            if not (self.plan.get("fallback") and vendor_side):
                raise
            self.log.warning(
                "%s failed to prepare %s; fallback may move them: %s", vendor, self.group["locales"], failure
            )
            return {
                "vendor": vendor,
                "locales": list(self.group["locales"]),
                "languages": {},
                "failure": {"reason": failure_words(failure), "vendor_side": True},
                "prepared_at": now(),
            }
        languages: dict[str, Any] = {}
        for locale in self.group["locales"]:
            try:
                languages[locale] = adapter.language_ids(prepared, locale)
            except VendorError as failure:
                languages[locale] = {
                    "failure": failure_words(failure),
                    "vendor_side": adapter.vendor_side(failure),
                }
        return {
            "vendor": vendor,
            "locales": list(self.group["locales"]),
            "languages": languages,
            "failure": None,
            "prepared_at": now(),
        }


class DubLanguageOperator(NestedVendorStepOperator):
    """Dub one language at its routed vendor; with fallback, move it once to the next capable vendor.

    Returns `{"locale", "vendor", "job_ids", "dubbed", "attempts", "submitted_at", "completed_at"}`; on a
    final failure pushes `dub_failure` (the vendor's words) for the manifest, then fails.
    """

    template_fields: Sequence[str] = ("job", "plan")
    # Panjaya's generate step pushes the version's (login-only) studio URL: shown on the dub row.
    operator_extra_links = (PanjayaStudioLink(),)

    def __init__(self, *, job: Mapping[str, Any] | Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job

    def build(self, state: dict[str, Any]) -> BaseOperator:
        vendor = state["vendor"]
        adapter = dubbing_vendor(vendor)
        if state["stage"] == "prepare":
            group = {**self._group_base(), "vendor": vendor, "locales": [self.job["locale"]]}
            return adapter.prepare(self.spec(vendor, group=group))
        return adapter.dub(self.spec(vendor, job={**self.job, "vendor": vendor, "ids": state["ids"]}))

    def _group_base(self) -> dict[str, Any]:
        keys = ("source", "source_kind", "source_language", "title", "run_dir")
        return {key: self.plan.get(key) for key in keys}

    # -- flow ---------------------------------------------------------------------------------------
    def execute(self, context: Any) -> Any:
        attempts = self._stored_attempts(context)
        if attempts:  # an earlier try already moved this language: go on where it went, never back
            moved_to = attempts[-1].get("moved_to")
            if not moved_to:
                raise AirflowFailException(f"{self.job['locale']}: {attempts[-1].get('reason')}")
            self.log.info("An earlier try moved %s to %s; going on there", self.job["locale"], moved_to)
            return self.advance(context, self._start(moved_to, "prepare", {}, attempts))
        prepared = self.job.get("ids") or {}
        vendor = self.job["vendor"]
        if prepared.get("failure"):
            failure = VendorError(vendor, str(prepared["failure"]))
            return self._failed(
                context, self._start(vendor, "dub", {}, []), failure, bool(prepared.get("vendor_side"))
            )
        return self.advance(context, self._start(vendor, "dub", prepared, []))

    def _start(self, vendor: str, stage: str, ids: Mapping[str, Any], attempts: list) -> dict[str, Any]:
        return {
            "vendor": vendor,
            "stage": stage,
            "ids": dict(ids),
            "attempts": attempts,
            "method": "execute",
            "submitted_at": now(),
        }

    def advance(self, context: Any, state: dict[str, Any]) -> Any:
        adapter = dubbing_vendor(state["vendor"])
        try:
            result = self.run_step(context, state)
        except VendorError as failure:
            return self._failed(context, state, failure, adapter.vendor_side(failure))
        if state["stage"] == "prepare":
            try:
                ids = adapter.language_ids(result, self.job["locale"])
            except VendorError as failure:
                return self._failed(context, state, failure, adapter.vendor_side(failure))
            return self.advance(
                context, {**state, "stage": "dub", "ids": ids, "method": "execute", "event": None}
            )
        return {
            "locale": self.job["locale"],
            "vendor": state["vendor"],
            "job_ids": {**state["ids"], **_ids_of(result)},
            "dubbed": result,
            "attempts": state["attempts"],
            "submitted_at": state.get("submitted_at"),
            "completed_at": now(),
        }

    def _failed(self, context: Any, state: dict[str, Any], failure: VendorError, vendor_side: bool) -> Any:
        locale, vendor = self.job["locale"], state["vendor"]
        words = failure_words(failure)
        attempt = {
            "vendor": vendor,
            "job_ids": dict(state.get("ids") or {}),
            "status": "failed",
            "reason": words,
        }
        following = self._next_vendor(state, vendor_side)
        if following:
            attempt.update(
                status="moved", moved_to=following, reason=f"{words}; moved to {following} by fallback"
            )
            attempts = [*state["attempts"], attempt]
            self._store_attempts(context, attempts)
            self.log.warning(
                "%s failed %s (%s); moving it to %s (fallback)", vendor, locale, words, following
            )
            return self.advance(context, self._start(following, "prepare", {}, attempts))
        attempts = [*state["attempts"], attempt]
        self._store_attempts(context, attempts)
        if not vendor_side:
            reason = f"{words} (bad input: not moved to another vendor)"
        elif not self.plan.get("fallback"):
            reason = f"{words} (fallback is off)"
        else:
            reason = words
        context["ti"].xcom_push(
            key=FAILURE_XCOM_KEY,
            value={"locale": locale, "vendor": vendor, "reason": reason, "attempts": attempts},
        )
        raise AirflowFailException(f"{locale} at {vendor}: {reason}")

    def _next_vendor(self, state: dict[str, Any], vendor_side: bool) -> str | None:
        """The next capable vendor, once per language, never one already tried."""
        if not (self.plan.get("fallback") and vendor_side) or state["attempts"]:
            return None
        tried = {attempt["vendor"] for attempt in state["attempts"]} | {state["vendor"]}
        return next((vendor for vendor in self.job.get("fallbacks") or [] if vendor not in tried), None)

    # -- attempts across Airflow retries ------------------------------------------------------------
    @staticmethod
    def _stored_attempts(context: Any) -> list[dict[str, Any]]:
        return _stored_json(context, ATTEMPTS_STATE_KEY) or []

    @staticmethod
    def _store_attempts(context: Any, attempts: list[dict[str, Any]]) -> None:
        _store_json(context, ATTEMPTS_STATE_KEY, attempts)


class DeliverLanguageOperator(NestedVendorStepOperator):
    """Save one dubbed language into `<run folder>/<locale>/` with its people-readable names, verified.

    Returns `{"locale", "vendor", "job_ids", "attempts", "files", "timings"}`.
    """

    template_fields: Sequence[str] = ("job", "dubbed", "plan")

    def __init__(
        self, *, job: Mapping[str, Any] | Any, dubbed: Mapping[str, Any] | Any, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.dubbed = dubbed

    def build(self, state: dict[str, Any]) -> BaseOperator:
        vendor = self.dubbed["vendor"]
        job = {**self.job, "vendor": vendor, "ids": self.dubbed["job_ids"], "dubbed": self.dubbed["dubbed"]}
        return dubbing_vendor(vendor).deliver(self.spec(vendor, job=job))

    def execute(self, context: Any) -> Any:
        return self.advance(context, {"method": "execute"})

    def advance(self, context: Any, state: dict[str, Any]) -> Any:
        saved = self.run_step(context, state)
        return {
            "locale": self.job["locale"],
            "vendor": self.dubbed["vendor"],
            "job_ids": self.dubbed["job_ids"],
            "attempts": self.dubbed.get("attempts") or [],
            "files": saved.get("files", []),
            "timings": {
                "submitted_at": self.dubbed.get("submitted_at"),
                "completed_at": self.dubbed.get("completed_at"),
                "delivered_at": saved.get("downloaded_at") or now(),
            },
        }


def _state_store(context: Any) -> Any:
    return context.get("task_state_store") if hasattr(context, "get") else None


def _stored_json(context: Any, key: str) -> Any:
    """A value kept by `_store_json` in this task instance's state store (None when absent)."""
    store = _state_store(context)
    raw = store.get(key) if store is not None else None
    return json.loads(raw) if raw else None


def _store_json(context: Any, key: str, value: Any) -> None:
    """Keep `value` (JSON) in the task state store: it outlives deferrals and retries of the task instance."""
    store = _state_store(context)
    if store is not None:
        store.set(key, json.dumps(value), retention=STATE_RETENTION)


def _ids_of(result: Any) -> dict[str, Any]:
    """The vendor ids in a dub step's answer (never links): the keys that name a job, version or file."""
    if not isinstance(result, Mapping):
        return {}
    keys = ("asset_id", "version_id", "job_id", "video_model_id", "source_file_id", "output_file_id")
    ids = {key: result[key] for key in keys if result.get(key)}
    models = result.get("video_model_ids")
    if isinstance(models, Mapping) and len(models) == 1:
        ids["video_model_id"] = next(iter(models.values()))
    return ids
