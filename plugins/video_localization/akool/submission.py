"""Submitting Akool translations once per task instance and language, whatever retries happen around it.

Akool takes no idempotency key, echoes no client reference and has no list endpoint, so a job can only
be found again by the `_id` its create answered. The guarantee is built from:

1. `core.submit_once` per language, keyed `akool_video_model_id:<tag>` in Airflow's durable task state
   store: a retry reattaches to the job an earlier try recorded (unless it failed, or its result is past
   Akool's 7-day lifetime: then a retry pays for a fresh one, which is what the user retried for).
2. A write-ahead marker `akool_create_sent:<tag>` set just before each create and closed when Akool
   answers. A marker still open on a retry means an earlier create may have reached Akool without its
   `_id` being recorded (worker crash, read timeout, a 5xx after the request was sent):
   - with lipsync, the create is sent again: Akool refuses a second lip-synced translation of the same
     video into the same language (1202), so it cannot be paid twice;
   - a create that provably never reached Akool (the connection never opened, a 429/503, Akool's "try
     again later") closes its marker as `not_sent`: the next try simply sends it again;
   - without lipsync, the run waits for an answer instead of paying twice or failing: when the create
     carried a `webhookUrl`, it carried this task's random reference (`vloc_ref`), so Akool's own
     webhook names the job (`callbacks.ledger`); the task waits up to `callback_wait` for it
     (`AwaitAkoolCallback`), then asks a human (`AskAboutUnconfirmed`, shown by the operator as an
     Airflow human-in-the-loop decision: resubmit / here is the job id / give up). With
     `resubmit_unconfirmed=True` the create is sent again at once.
3. 1202 is read as "already submitted": the job recorded for that language is reattached to; when none
   is recorded (the window above, or an earlier DAG run), the task stops with `AkoolJobAlreadyExists`
   naming the language, because Akool offers no way to look the job up.

The window that remains: a non-lipsync create whose answer was lost, sent without a `webhookUrl`, can
only be resolved by a person (Akool offers no lookup).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk.exceptions import AirflowException, AirflowFailException

from video_localization.akool.hook import AkoolApiError, AkoolHook, AkoolLipsyncRepeated, akool_error
from video_localization.akool.models import (
    LIPSYNC_REPEATED,
    RESULT_LIFETIME,
    SUCCESS_CODE,
    VENDOR,
    CreateAnswer,
    TargetResult,
    VideoJob,
    VideoStatus,
    parse,
)
from video_localization.akool.validation import TranslationPlan
from video_localization.callbacks.ledger import CallbackLedger, with_reference
from video_localization.core.errors import InvalidInputError, VendorError, VendorResponseError
from video_localization.core.http import vendor_did_not_act
from video_localization.core.submit_once import STATE_RETENTION_DAYS, idempotency_reference, submit_once

log = logging.getLogger(__name__)

NOT_FOUND_CODE = 1008
#: How long a task waits for Akool's webhook to name a job whose create answer was lost, before asking.
DEFAULT_CALLBACK_WAIT = timedelta(hours=1)
#: The state-store key of the task's random callback reference (kept across tries).
CALLBACK_REFERENCE_KEY = "akool_callback_ref"


def job_state_key(tag: str) -> str:
    return f"akool_video_model_id:{tag}"


def sent_state_key(tag: str) -> str:
    return f"akool_create_sent:{tag}"


class AkoolSubmitUnconfirmed(AirflowFailException):
    """An earlier try's create may have reached Akool, but its job id was never recorded."""


class AwaitAkoolCallback(Exception):
    """Creates went unconfirmed; Akool's webhook may still name their jobs: look again at `until`."""

    def __init__(self, tags: list[str], until: datetime) -> None:
        super().__init__(f"waiting until {until.isoformat()} for Akool's webhook to name the job of {tags}")
        self.tags = tags
        self.until = until


class AskAboutUnconfirmed(AkoolSubmitUnconfirmed):
    """Creates went unconfirmed and nothing can name their jobs: a person decides (`facts` says why)."""

    def __init__(self, message: str, facts: dict[str, dict[str, Any]]) -> None:
        super().__init__(message)
        self.facts = facts


class AkoolJobAlreadyExists(AirflowFailException):
    """Akool answered 1202 (a lip-synced job exists) for a language this task has no job id for."""


@dataclass
class Submission:
    """Each language's job id, and how it was obtained (submitted, state_store, given)."""

    video_model_ids: dict[str, str] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)

    @property
    def created(self) -> list[str]:
        return [tag for tag, how in self.how.items() if how == "submitted"]


class _Store:
    """The task state store (absent outside a real task: then nothing survives a crash, and we say so)."""

    def __init__(self, context: Any) -> None:
        self.store = context.get("task_state_store") if hasattr(context, "get") else None

    def get(self, key: str) -> Any:
        return self.store.get(key) if self.store is not None else None

    def set(self, key: str, value: Any) -> None:
        if self.store is not None:
            self.store.set(key, value, retention=timedelta(days=STATE_RETENTION_DAYS))


class _TagError(Exception):
    """Carries one language's failure out of the batch (raised again, as is, for that language)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class _Submitter:
    def __init__(
        self,
        context: Any,
        hook: AkoolHook,
        plan: TranslationPlan,
        *,
        one_request: bool,
        resubmit_unconfirmed: bool,
        ledger: CallbackLedger | None = None,
        callback_reference: str | None = None,
        callback_wait: timedelta = DEFAULT_CALLBACK_WAIT,
    ) -> None:
        self.context = context
        self.hook = hook
        self.plan = plan
        self.one_request = one_request
        self.resubmit_unconfirmed = resubmit_unconfirmed
        self.ledger = ledger
        self.callback_reference = callback_reference
        self.callback_wait = callback_wait
        self.store = _Store(context)
        self._jobs: dict[str, VideoJob | None] = {}
        self._outcomes: dict[str, str | BaseException] = {}
        self.created_here: set[str] = set()  # languages whose job this submission created

    # -- what is known of a job ---------------------------------------------------------------------
    def job(self, job_id: str) -> VideoJob | None:
        """The job, read once per submission; None when Akool does not know it (1008)."""
        if job_id not in self._jobs:
            try:
                self._jobs[job_id] = self.hook.get_video_info(job_id)
            except VendorError as error:
                if error.code != NOT_FOUND_CODE:
                    raise
                self._jobs[job_id] = None
        return self._jobs[job_id]

    def reusable(self, job_id: str) -> bool:
        """A job a retry may reattach to: known, not failed, and (once completed) not past its lifetime."""
        job = self.job(job_id)
        if job is None or job.video_status is VideoStatus.FAILED:
            return False
        created = job.created_at
        return not (
            job.video_status is VideoStatus.COMPLETED
            and created is not None
            and datetime.now(UTC) - created > RESULT_LIFETIME
        )

    # -- the write-ahead marker --------------------------------------------------------------------
    def _mark(self, tags: list[str], state: str) -> None:
        now = datetime.now(UTC).isoformat()
        for tag in tags:
            self.store.set(
                sent_state_key(tag),
                {
                    "state": state,
                    "at": now,
                    "request": self.plan.fingerprint(),
                    "callback": bool(self.plan.webhook_url and self.callback_reference),
                },
            )

    def check_unconfirmed(self, tag: str) -> str | None:
        """`submit_once`'s `find_existing`: the job Akool's webhook named, else resend, wait or ask.

        Only an open marker (`state == "sent"`) matters: the earlier create may have made a job whose id
        never arrived. Raises `AwaitAkoolCallback` while a webhook may still name it, and
        `AskAboutUnconfirmed` when nothing can.
        """
        marker = self.store.get(sent_state_key(tag))
        if not isinstance(marker, Mapping) or marker.get("state") != "sent":
            return None
        when = str(marker.get("at", "an earlier try"))
        if marker.get("decision") == "resubmit":
            log.warning("A create for %s sent at %s was never answered; resent as a person chose", tag, when)
            return None
        if (named := self.named_by_callback(tag)) is not None:
            log.info("Akool's webhook named job %s for %s (create sent at %s): reattaching", named, tag, when)
            return named
        if self.plan.lipsync:
            log.warning(
                "A create for %s sent at %s was never answered; sending it again "
                "(Akool refuses a second lipsync of the same video and language with 1202)",
                tag,
                when,
            )
            return None
        if self.resubmit_unconfirmed:
            log.warning(
                "A create for %s sent at %s was never answered; resubmitting as resubmit_unconfirmed=True "
                "asks (Akool may now translate, and charge for, this language twice)",
                tag,
                when,
            )
            return None
        sent_at = _parse_time(marker.get("at"))
        if marker.get("callback") and sent_at is not None:
            until = sent_at + self.callback_wait
            if datetime.now(UTC) < until:
                raise AwaitAkoolCallback([tag], until)
        facts = {
            "sent_at": when,
            "webhook": "sent, none named a job" if marker.get("callback") else "no webhookUrl configured",
            "request": marker.get("request", ""),
        }
        raise AskAboutUnconfirmed(
            f"a create for {tag} was sent to Akool at {when} but its answer (the job id) never arrived, so "
            "Akool may already be translating it; Akool has no list endpoint to find that job. Look it up "
            "in Akool's dashboard and pass video_model_ids={"
            f"{tag!r}: '<_id>'" + "} to reattach, or set resubmit_unconfirmed=True to accept paying twice",
            {tag: facts},
        )

    def unconfirmed(self, tag: str) -> bool:
        """An earlier create for `tag` was sent and never answered (its marker is still open)."""
        marker = self.store.get(sent_state_key(tag))
        return isinstance(marker, Mapping) and marker.get("state") == "sent"

    def named_by_callback(self, tag: str) -> str | None:
        """A job a verified webhook recorded under this task's reference, translating into `tag`."""
        if self.ledger is None or self.callback_reference is None:
            return None
        for job_id in self.ledger.job_ids("akool", self.callback_reference):
            job = self.job(job_id)
            if job is None or job.video_status is VideoStatus.FAILED:
                continue
            if job.language == self.plan.targets[tag]:
                return job_id
        return None

    # -- creating ------------------------------------------------------------------------------------
    def job_id(self, tag: str, needed: list[str]) -> str:
        """`submit_once`'s `submit` for `tag`: the first call of a batch sends the create for all of it."""
        if tag not in self._outcomes:
            self._create([tag, *[t for t in needed if t != tag and t not in self._outcomes]])
        outcome = self._outcomes[tag]
        if isinstance(outcome, BaseException):
            raise _TagError(outcome)
        return outcome

    def _create(self, tags: list[str]) -> None:
        if not self.one_request:
            tags = tags[:1]
        self._mark(tags, "sent")
        try:
            answer = self.hook.create_translation(self.plan.request(tags))
        except AkoolLipsyncRepeated as error:
            self._mark(tags, "answered")
            for tag in tags:
                self._outcomes[tag] = self._already_submitted(tag, error)
            return
        except VendorError as error:
            if vendor_did_not_act(error):
                # Provably nothing was created (no connection, a 429/503, "try again later"): the next
                # try simply sends the create again.
                self._mark(tags, "not_sent")
            elif isinstance(error, AkoolApiError):
                self._mark(tags, "answered")  # Akool answered with a business code: it made nothing
            raise
        self._read_answer(tags, answer)
        # Record every created job now, not only the one `submit_once` asked for: a crash further down
        # the loop must not lose the others. Only then is the marker closed (a crash in between leaves
        # it open, and the retry's webhook/person path finds the job instead of paying again).
        for tag in tags:
            outcome = self._outcomes[tag]
            if isinstance(outcome, str):
                self.store.set(job_state_key(tag), outcome)
        self._mark(tags, "answered")

    def _read_answer(self, tags: list[str], answer: CreateAnswer) -> None:
        if len(tags) == 1 and not answer.all_results:
            job = answer.data
            self._check_language(tags[0], job.language)
            self._created(tags[0], job)
            return
        results = answer.all_results or []
        for result in results:
            tag = self.plan.tag_of(result.language or "")
            if tag is None or tag not in tags:
                raise VendorResponseError(VENDOR, "all_results entry for a language not asked for", result)
            outcome = self._target_outcome(tag, result)
            if isinstance(outcome, VideoJob):
                self._created(tag, outcome)
            else:
                self._outcomes[tag] = outcome
        missing = [tag for tag in tags if tag not in self._outcomes]
        if missing:
            error = VendorResponseError(
                VENDOR, f"createbytranslate answer without a result for {', '.join(missing)}", answer
            )
            for tag in missing:
                self._outcomes[tag] = error

    def _created(self, tag: str, job: VideoJob) -> None:
        self._outcomes[tag] = job.id
        self._jobs[job.id] = job  # its state as created: a reattach check needs no extra read
        self.created_here.add(tag)

    def _target_outcome(self, tag: str, result: TargetResult) -> VideoJob | str | BaseException:
        if result.code == SUCCESS_CODE:
            job = parse(VideoJob, result.data, f"createbytranslate result for {tag}")
            self._check_language(tag, job.language)
            return job
        error = akool_error(result.code, result.msg, result.model_dump(), what=f"language {tag}")
        if result.code == LIPSYNC_REPEATED:
            return self._already_submitted(tag, error)
        return error

    def _check_language(self, tag: str, language: str | None) -> None:
        if language is not None and language != self.plan.targets[tag]:
            raise VendorResponseError(
                VENDOR, f"created job language (asked for {self.plan.targets[tag]!r})", language
            )

    def _already_submitted(self, tag: str, error: VendorError) -> str | BaseException:
        """1202: a lip-synced job exists. Reattach to the one recorded for `tag`, if it is still good."""
        recorded = self.store.get(job_state_key(tag))
        if (
            recorded
            and (job := self.job(str(recorded))) is not None
            and job.video_status is not VideoStatus.FAILED
        ):
            log.info("Akool answered 1202 for %s: reattaching to the recorded job %s", tag, recorded)
            return str(recorded)
        return AkoolJobAlreadyExists(
            f"Akool already has a lip-synced translation of this video into {tag} "
            f"(code 1202: {error.message}); "
            "this task has no record of its job id (an earlier run, or a try whose create answer was lost) "
            "and Akool has no list endpoint to find it. Pass video_model_ids={"
            f"{tag!r}: '<_id from Akool's dashboard>'" + "} to reattach, or translate without lipsync"
        )

    # -- given ids -----------------------------------------------------------------------------------
    def adopt(self, tag: str, video_model_id: str) -> None:
        """A job id the user gave for `tag`: it must exist and be a translation into that language."""
        job = self.job(video_model_id)
        if job is None:
            raise InvalidInputError("video_model_ids", {tag: video_model_id}, "ids of existing Akool jobs")
        if job.language is not None and job.language != self.plan.targets[tag]:
            raise InvalidInputError(
                "video_model_ids",
                {tag: video_model_id},
                f"a job translating into {self.plan.targets[tag]!r}",
                f"that job translates into {job.language!r}",
            )
        self.store.set(job_state_key(tag), video_model_id)


def submit_translations(
    context: Any,
    hook: AkoolHook,
    plan: TranslationPlan,
    *,
    one_request: bool = True,
    given_ids: Mapping[str, str] | None = None,
    resubmit_unconfirmed: bool = False,
    on_submitted: Callable[[dict[str, str]], None] | None = None,
    ledger: CallbackLedger | None = None,
    callback_wait: timedelta = DEFAULT_CALLBACK_WAIT,
) -> Submission:
    """Each target language's job id: given, recorded by an earlier try, or created now (once).

    Raises `AwaitAkoolCallback` / `AskAboutUnconfirmed` (after recording and announcing every job id it
    has) when a language's earlier create went unconfirmed; the operator waits or asks, then calls again.
    """
    store = _Store(context)
    callback_reference = None
    if plan.webhook_url and ledger is not None:
        callback_reference = _callback_reference(store)
        plan = replace(plan, webhook_url=with_reference(plan.webhook_url, callback_reference))
    submitter = _Submitter(
        context,
        hook,
        plan,
        one_request=one_request,
        resubmit_unconfirmed=resubmit_unconfirmed,
        ledger=ledger,
        callback_reference=callback_reference,
        callback_wait=callback_wait,
    )
    submission = Submission()
    for tag, video_model_id in (given_ids or {}).items():
        submitter.adopt(tag, video_model_id)
        submission.video_model_ids[tag] = video_model_id
        submission.how[tag] = "given"
    reference = idempotency_reference(context)
    remaining = [tag for tag in plan.targets if tag not in submission.video_model_ids]
    # Languages a batched create may include: no reusable job, and no earlier create still unconfirmed
    # (that one is resolved by `check_unconfirmed` on its own turn, never swept into another's batch).
    needed = [
        tag
        for tag in remaining
        if not ((recorded := submitter.store.get(job_state_key(tag))) and submitter.reusable(str(recorded)))
        and not submitter.unconfirmed(tag)
    ]
    failures: list[tuple[str, BaseException]] = []
    waiting: list[AwaitAkoolCallback] = []
    asking: list[AskAboutUnconfirmed] = []
    for tag in remaining:
        try:
            result = submit_once(
                context,
                state_key=job_state_key(tag),
                reference=f"{reference}:{tag}",
                submit=lambda tag=tag: submitter.job_id(tag, needed),
                find_existing=lambda _reference, tag=tag: submitter.check_unconfirmed(tag),
                is_reusable=submitter.reusable,
            )
        except _TagError as failure:
            failures.append((tag, failure.error))
            continue
        except AwaitAkoolCallback as wait:
            waiting.append(wait)
            continue
        except AskAboutUnconfirmed as ask:
            asking.append(ask)
            continue
        submission.video_model_ids[tag] = result.job_id
        submission.how[tag] = "submitted" if tag in submitter.created_here else result.how
    if on_submitted is not None and submission.video_model_ids:
        on_submitted(dict(submission.video_model_ids))
    if failures:
        _raise_all(failures, submission)
    if asking:
        facts = {tag: fact for ask in asking for tag, fact in ask.facts.items()}
        message = asking[0].args[0] if len(asking) == 1 else "; ".join(str(ask) for ask in asking)
        raise AskAboutUnconfirmed(message, facts)
    if waiting:
        raise AwaitAkoolCallback(
            [tag for wait in waiting for tag in wait.tags], min(w.until for w in waiting)
        )
    if ledger is not None and callback_reference is not None:
        forget_callbacks(ledger, callback_reference)  # every job id is held: the entries served their use
    return submission


def forget_callbacks(ledger: CallbackLedger, reference: str) -> None:
    """Best effort: delete what webhooks recorded under `reference`; what stays, housekeeping prunes."""
    try:
        forgotten = ledger.forget(VENDOR, reference)
    except Exception as error:  # the Variable API unreachable must not fail a task that holds its jobs
        log.warning("Could not clear the callback ledger entries of this task (housekeeping will): %s", error)
        return
    if forgotten:
        log.info("Cleared %d callback ledger entries of this task", forgotten)


def stored_callback_reference(context: Any) -> str | None:
    """The webhook reference an earlier call of this task instance made, if any."""
    reference = _Store(context).get(CALLBACK_REFERENCE_KEY)
    return reference if isinstance(reference, str) and reference else None


def _callback_reference(store: _Store) -> str:
    """This task instance's random webhook reference, made once and kept across tries."""
    reference = store.get(CALLBACK_REFERENCE_KEY)
    if not isinstance(reference, str) or not reference:
        reference = secrets.token_urlsafe(18)
        store.set(CALLBACK_REFERENCE_KEY, reference)
    return reference


def _parse_time(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _raise_all(failures: list[tuple[str, BaseException]], submission: Submission) -> None:
    """One language's error as is; several in one message (kept non-retryable if any of them is)."""
    if len(failures) == 1:
        raise failures[0][1]
    message = "; ".join(f"{tag}: {error}" for tag, error in failures)
    if submission.video_model_ids:
        message += f" (jobs kept for {', '.join(submission.video_model_ids)})"
    fatal = any(isinstance(error, AirflowFailException) for _, error in failures)
    raise (AirflowFailException if fatal else AirflowException)(message) from failures[0][1]
