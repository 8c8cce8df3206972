"""Akool operators: translate a video into one or many languages (one paid job each), and save a result.

`AkoolTranslateVideoOperator` checks everything it can before paying (inputs, the documented media
limits when the source's properties are known, the live language list), submits once per language
(`akool.submission`), pushes `{language tag: Akool _id}` before waiting, and waits in the triggerer when
deferrable. `AkoolDownloadTranslationOperator` streams a completed job's video (and a subtitle file when
Akool gives one) into output storage, verified, long before Akool's 7-day expiry. Only ids and URIs go
to XCom; result links (signed, expiring) never do.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from airflow.sdk.exceptions import AirflowException

from video_localization.akool.decision import apply_decision, ask
from video_localization.akool.hook import AkoolHook
from video_localization.akool.links import VIDEO_MODEL_IDS_XCOM_KEY, AkoolJobLink
from video_localization.akool.models import RESULT_LIFETIME, VENDOR, VideoStatus
from video_localization.akool.submission import (
    DEFAULT_CALLBACK_WAIT,
    AskAboutUnconfirmed,
    AwaitAkoolCallback,
    forget_callbacks,
    stored_callback_reference,
    submit_translations,
)
from video_localization.akool.triggers import AkoolTranslationTrigger, jobs_outcome
from video_localization.akool.validation import (
    MediaFacts,
    TranslationPlan,
    check_live_languages,
    probe_media,
    tag_for_code,
    validate_translation,
)
from video_localization.callbacks.ledger import CallbackLedger, VariableLedger
from video_localization.core import secret_source
from video_localization.core.errors import DownloadVerificationError, InvalidInputError
from video_localization.core.languages import normalize_tag
from video_localization.core.lineage import DeliveryLineageMixin
from video_localization.core.mp4 import probe_mp4_file
from video_localization.core.operators import VendorJobOperator
from video_localization.core.storage import (
    StoredFile,
    as_storage_path,
    require_mp4,
    require_text,
    stream_to_storage,
)
from video_localization.core.triggers import PollOutcome
from video_localization.core.validation import Checks


class AkoolBaseOperator(VendorJobOperator):
    """Base of the Akool operators: the connection and its cached hook.

    :param akool_conn_id: the Akool connection (default `akool_default`).

    It also takes the wait arguments of `VendorJobOperator` (`deferrable`, `wait_timeout`, `poll_interval`,
    `max_poll_interval`, `poll_backoff`).
    """

    vendor = VENDOR

    def __init__(self, *, akool_conn_id: str = AkoolHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.akool_conn_id = akool_conn_id

    @cached_property
    def hook(self) -> AkoolHook:
        return AkoolHook(self.akool_conn_id)

    def jobs_outcome(self, video_model_ids: Mapping[str, str]) -> PollOutcome:
        jobs = {tag: self.hook.get_video_info(job_id) for tag, job_id in video_model_ids.items()}
        return jobs_outcome(jobs)


def _given_ids(value: Any, targets: Sequence[str]) -> dict[str, str]:
    """`video_model_ids` a user passes to reattach: {target tag: Akool _id}, for requested targets only."""
    if not value:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInputError("video_model_ids", value, "a mapping {target language: Akool _id}")
    checks = Checks()
    given: dict[str, str] = {}
    for tag, job_id in value.items():
        canonical = normalize_tag(str(tag))
        if canonical not in targets:
            checks.add(InvalidInputError("video_model_ids", tag, targets, "not a requested target language"))
        elif not isinstance(job_id, str) or not job_id.strip():
            checks.add(InvalidInputError(f"video_model_ids.{canonical}", job_id, "a non-empty Akool _id"))
        else:
            given[canonical] = job_id.strip()
    checks.raise_if_any()
    return given


class AkoolTranslateVideoOperator(AkoolBaseOperator):
    """Translate a video (Akool fetches `source_url`) into each target language and wait for the jobs.

    :param source_url: http(s) URL of the MP4 Akool downloads (Akool has no upload endpoint).
    :param target_locales: project tags (`fr-FR`, `de-DE`, ...; see data/languages/akool.csv).
    :param source_locale: spoken language of the video; None / "auto" lets Akool detect it.
    :param lipsync: lip-synced video (paid extra; the source must be at most 60 s).
    :param face_enhance: only with lipsync.
    :param merge_interval: segmentation interval in seconds (Akool's default is 1).
    :param webhook_url: where Akool posts job updates; default: the connection's `webhook_url` extra.
    :param media: known properties of the source, checked against Akool's limits before paying:
        `{"duration_seconds", "fps", "size_bytes", "has_audio"}` (any subset).
    :param probe_path: a local path or object-storage URI of the same video, probed for those properties.
    :param one_request: True sends all targets in one comma-separated request (one job per language
        either way); False sends one request per language.
    :param video_model_ids: `{tag: _id}` of jobs that already exist (found in Akool's dashboard): they are
        reattached to instead of created.
    :param resubmit_unconfirmed: after a create whose answer was lost (non-lipsync), send it again at once
        instead of waiting or asking; Akool may then charge twice for that language.
    :param ask_when_unconfirmed: after a create whose answer was lost, and once no webhook named its job
        within `callback_wait`, ask a person (Airflow human-in-the-loop: resubmit / here is the job id /
        give up) instead of failing the task (`AkoolSubmitUnconfirmed`).
    :param callback_wait: how long to wait for Akool's webhook to name a job whose create answer was
        lost (only when a webhook URL is configured), looking every `callback_poll_interval` seconds.
    :param decision_timeout: how long the question waits for an answer (None: until answered).
    :param wait_for_completion: False returns right after submitting.

    Returns `{"video_model_ids": {tag: _id}, "statuses": {tag: "completed"}}`; pushes
    `video_model_ids` to XCom before waiting.
    """

    operator_extra_links = (AkoolJobLink(),)
    template_fields: Sequence[str] = (
        "source_url",
        "source_locale",
        "target_locales",
        "lipsync",
        "face_enhance",
        "merge_interval",
        "webhook_url",
        "media",
        "probe_path",
        "video_model_ids",
    )

    def __init__(
        self,
        *,
        source_url: str,
        target_locales: Sequence[str],
        source_locale: str | None = None,
        lipsync: bool = False,
        face_enhance: bool = False,
        merge_interval: float | None = None,
        webhook_url: str | None = None,
        media: Mapping[str, Any] | None = None,
        probe_path: str | None = None,
        one_request: bool = True,
        video_model_ids: Mapping[str, str] | None = None,
        resubmit_unconfirmed: bool = False,
        ask_when_unconfirmed: bool = True,
        callback_wait: timedelta | float = DEFAULT_CALLBACK_WAIT,
        callback_poll_interval: float = 30.0,
        decision_timeout: timedelta | None = None,
        wait_for_completion: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_url = source_url
        self.target_locales = target_locales
        self.source_locale = source_locale
        self.lipsync = lipsync
        self.face_enhance = face_enhance
        self.merge_interval = merge_interval
        self.webhook_url = webhook_url
        self.media = media
        self.probe_path = probe_path
        self.one_request = one_request
        self.video_model_ids = video_model_ids
        self.resubmit_unconfirmed = resubmit_unconfirmed
        self.ask_when_unconfirmed = ask_when_unconfirmed
        self.callback_wait = (
            callback_wait if isinstance(callback_wait, timedelta) else timedelta(seconds=callback_wait)
        )
        self.callback_poll_interval = callback_poll_interval
        self.decision_timeout = decision_timeout
        self.wait_for_completion = wait_for_completion

    @cached_property
    def callback_ledger(self) -> CallbackLedger:
        """Where verified Akool webhooks leave the job ids they name (see `callbacks.ledger`)."""
        return VariableLedger()

    def expects_callbacks(self) -> bool:
        return bool(self.webhook_url or self.hook.extras.get("webhook_url"))

    def plan(self, source_url: str | None = None) -> tuple[TranslationPlan, dict[str, str]]:
        """Every input checked, no vendor call: raises `InvalidInputs` naming each bad field.

        `source_url`: the URL to send when `self.source_url` is a plan's reference to the run's conf."""
        checks = Checks()
        probed = checks.run(probe_media, self.probe_path) if self.probe_path else None
        explicit = checks.run(MediaFacts.from_mapping, self.media) if self.media else None
        facts = (explicit or MediaFacts()).merged(probed or MediaFacts())
        plan = checks.run(
            validate_translation,
            source_url=source_url or self.source_url,
            source_locale=self.source_locale or None,
            target_locales=self.target_locales,
            lipsync=self.lipsync,
            face_enhance=self.face_enhance,
            merge_interval=self.merge_interval,
            webhook_url=self.webhook_url or self.hook.extras.get("webhook_url") or None,
            media=facts,
        )
        given = checks.run(_given_ids, self.video_model_ids, list(plan.targets) if plan else []) or {}
        checks.raise_if_any()
        assert plan is not None
        return plan, given

    def execute(self, context: Any) -> Any:
        return self._submit_and_wait(context)

    def resume_submit(self, context: Any, event: Any = None) -> Any:
        """Back from a pause while Akool's webhook may name an unconfirmed job: look again."""
        return self._submit_and_wait(context)

    def resume_after_decision(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        """Back from the human decision about an unconfirmed create: apply it, then carry on."""
        return self._submit_and_wait(context, decided_ids=apply_decision(context, event))

    def _submit_and_wait(self, context: Any, decided_ids: Mapping[str, str] | None = None) -> Any:
        # A plan's signed source URL is a reference to the run's conf: read (and masked) only here.
        plan, given = self.plan(secret_source.resolve(self.source_url, context))  # raises before any spend
        if decided_ids:
            given = {**given, **_given_ids(decided_ids, list(plan.targets))}
        check_live_languages(plan, self.hook.language_codes())  # one cached GET, no payment
        ti = context["ti"]
        while True:
            try:
                submission = submit_translations(
                    context,
                    self.hook,
                    plan,
                    one_request=self.one_request,
                    given_ids=given,
                    resubmit_unconfirmed=self.resubmit_unconfirmed,
                    on_submitted=lambda ids: ti.xcom_push(key=VIDEO_MODEL_IDS_XCOM_KEY, value=ids),
                    ledger=self.callback_ledger,
                    callback_wait=self.callback_wait,
                )
                break
            except AwaitAkoolCallback as waiting:
                self._pause_for_callback(waiting)  # defers, or sleeps here and looks again
            except AskAboutUnconfirmed as unconfirmed:
                if not self.ask_when_unconfirmed:
                    raise
                ask(context, unconfirmed, method_name="resume_after_decision", timeout=self.decision_timeout)
        ids = submission.video_model_ids
        self.log.info(
            "Akool jobs: %s (%s)",
            ", ".join(f"{tag}={job_id}" for tag, job_id in ids.items()),
            ", ".join(f"{tag} {how}" for tag, how in submission.how.items()),
        )
        if not self.wait_for_completion:
            return {"video_model_ids": ids, "statuses": {}}
        return self.wait_for(
            context,
            check=lambda: self.jobs_outcome(ids),
            trigger=lambda: AkoolTranslationTrigger(
                video_model_ids=ids, conn_id=self.akool_conn_id, **self.poll_schedule()
            ),
            ids={"video_model_ids": ids},
        )

    def _pause_for_callback(self, waiting: AwaitAkoolCallback) -> None:
        """Wait a little for Akool's webhook: in the triggerer when deferrable, else in this worker."""
        pause = max(
            0.0, min(self.callback_poll_interval, (waiting.until - datetime.now(UTC)).total_seconds())
        )
        self.log.warning(
            "Akool did not confirm the create for %s; waiting for its webhook to name the job (until %s)",
            ", ".join(waiting.tags),
            waiting.until.isoformat(),
        )
        if self.deferrable:
            from airflow.providers.standard.triggers.temporal import DateTimeTrigger

            self.defer(
                trigger=DateTimeTrigger(moment=datetime.now(UTC) + timedelta(seconds=pause)),
                method_name="resume_submit",
            )
        time.sleep(pause)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        if (reference := stored_callback_reference(context)) is not None:
            # Webhooks of status changes after the jobs were adopted recorded again: the task is done.
            forget_callbacks(self.callback_ledger, reference)
        event = self.raise_for_event(event)
        return {"video_model_ids": event["video_model_ids"], "statuses": event.get("statuses", {})}


class AkoolDownloadTranslationOperator(DeliveryLineageMixin, AkoolBaseOperator):
    """Save a completed job's video as `<output_dir>/video.mp4` (and `<locale>.srt` when Akool gives one).

    The result link is read fresh from `infobymodelid` and never stored; the video is streamed, checked
    (size as announced, an MP4 with a video track) and only then renamed into place.

    Returns `{"locale", "job_id", "files": [StoredFile.to_dict(), ...], "downloaded_at"}`.

    :param video_model_id: the completed Akool job (`_id`).
    :param output_dir: the folder (path or object-storage URI) the files go to.
    :param locale: the language, for the file names and the result (default: Akool's).
    :param include_srt: also save Akool's subtitle file when it gives one.
    :param lineage_source: the source video the files were made from (templated): the OpenLineage input;
        default: the vendor job.
    :param akool_conn_id: the Akool connection (default `akool_default`).
    """

    template_fields: Sequence[str] = ("video_model_id", "output_dir", "locale", "file_stem", "lineage_source")
    operator_extra_links = (AkoolJobLink(),)

    def __init__(
        self,
        *,
        video_model_id: str,
        output_dir: str,
        locale: str | None = None,
        include_srt: bool = True,
        file_stem: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.video_model_id = video_model_id
        self.output_dir = output_dir
        self.locale = locale
        self.include_srt = include_srt
        self.file_stem = file_stem  # `<file_stem>.mp4` / `.srt` instead of `video.mp4` / `<locale>.srt`

    def execute(self, context: Any) -> dict[str, Any]:
        job = self.hook.get_video_info(self.video_model_id)
        url = job.result_url
        if job.video_status is not VideoStatus.COMPLETED or not url:
            raise AirflowException(
                f"Akool job {self.video_model_id} is {job.video_status.word} with "
                f"{'a' if url else 'no'} result link: only a completed job can be downloaded"
            )
        created = job.created_at
        if created is not None and datetime.now(UTC) - created > RESULT_LIFETIME:
            self.log.warning(
                "Akool job %s was created on %s: its result may be past Akool's 7-day lifetime",
                self.video_model_id,
                created.isoformat(),
            )
        locale = self.locale or tag_for_code(job.language or "") or job.language or "und"
        folder = as_storage_path(self.output_dir)
        files: list[StoredFile] = [self._save_video(url, folder / f"{self.file_stem or 'video'}.mp4")]
        subtitle_url = job.subtitle_url
        if self.include_srt and subtitle_url:
            files.append(
                stream_to_storage(
                    self.hook.api,
                    subtitle_url,
                    folder / f"{self.file_stem or locale}.srt",
                    check_head=require_text,
                )
            )
        result = {
            "locale": locale,
            "job_id": self.video_model_id,
            "files": [stored.to_dict() for stored in files],
            "downloaded_at": datetime.now(UTC).isoformat(),
        }
        self.remember_delivery(
            self.vendor,
            {"video_model_id": self.video_model_id, "locale": locale},
            result["files"],
            job_url=self.hook.video_info_url(self.video_model_id),
        )
        return result

    def _save_video(self, url: str, destination: Any) -> StoredFile:
        stored = stream_to_storage(self.hook.api, url, destination, check_head=require_mp4)
        with destination.open("rb") as saved:
            facts = probe_mp4_file(saved)
        if facts is None or not facts.has_video or facts.duration_seconds <= 0:
            destination.unlink()
            raise DownloadVerificationError(
                f"{destination.name}: the downloaded file is not an MP4 with a video track ({facts})"
            )
        return stored
