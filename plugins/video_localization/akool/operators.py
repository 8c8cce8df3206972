"""Akool operators: translate a video into one or many languages (one paid job each), and save a result.

`AkoolTranslateVideoOperator` checks everything it can before paying (inputs, the documented media
limits when the source's properties are known, the live language list), submits once per language
(`akool.submission`), pushes `{language tag: Akool _id}` before waiting, and waits in the triggerer when
deferrable. `AkoolDownloadTranslationOperator` streams a completed job's video (and a subtitle file when
Akool gives one) into output storage, verified, long before Akool's 7-day expiry. Only ids and URIs go
to XCom; result links (signed, expiring) never do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from airflow.sdk.exceptions import AirflowException

from video_localization.akool.hook import AkoolHook
from video_localization.akool.models import RESULT_LIFETIME, VENDOR, VideoStatus
from video_localization.akool.submission import submit_translations
from video_localization.akool.triggers import AkoolTranslationTrigger, jobs_outcome
from video_localization.akool.validation import (
    MediaFacts,
    TranslationPlan,
    check_live_languages,
    probe_media,
    tag_for_code,
    validate_translation,
)
from video_localization.core.errors import DownloadVerificationError, InvalidInputError
from video_localization.core.languages import normalize_tag
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

VIDEO_MODEL_IDS_XCOM_KEY = "video_model_ids"


class AkoolBaseOperator(VendorJobOperator):
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
    :param target_locales: project tags (`fr-FR`, `de-DE`, ...; see include/languages/akool.csv).
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
    :param resubmit_unconfirmed: after a create whose answer was lost (non-lipsync), send it again instead
        of stopping; Akool may then charge twice for that language.
    :param wait_for_completion: False returns right after submitting.

    Returns `{"video_model_ids": {tag: _id}, "statuses": {tag: "completed"}}`; pushes
    `video_model_ids` to XCom before waiting.
    """

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
        self.wait_for_completion = wait_for_completion

    def expects_callbacks(self) -> bool:
        return bool(self.webhook_url or self.hook.extras.get("webhook_url"))

    def plan(self) -> tuple[TranslationPlan, dict[str, str]]:
        """Every input checked, no vendor call: raises `InvalidInputs` naming each bad field."""
        checks = Checks()
        probed = checks.run(probe_media, self.probe_path) if self.probe_path else None
        explicit = checks.run(MediaFacts.from_mapping, self.media) if self.media else None
        facts = (explicit or MediaFacts()).merged(probed or MediaFacts())
        plan = checks.run(
            validate_translation,
            source_url=self.source_url,
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
        plan, given = self.plan()  # raises before any vendor call on bad input
        check_live_languages(plan, self.hook.language_codes())  # one cached GET, no payment
        ti = context["ti"]
        submission = submit_translations(
            context,
            self.hook,
            plan,
            one_request=self.one_request,
            given_ids=given,
            resubmit_unconfirmed=self.resubmit_unconfirmed,
            on_submitted=lambda ids: ti.xcom_push(key=VIDEO_MODEL_IDS_XCOM_KEY, value=ids),
        )
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

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        event = self.raise_for_event(event)
        return {"video_model_ids": event["video_model_ids"], "statuses": event.get("statuses", {})}


class AkoolDownloadTranslationOperator(AkoolBaseOperator):
    """Save a completed job's video as `<output_dir>/video.mp4` (and `<locale>.srt` when Akool gives one).

    The result link is read fresh from `infobymodelid` and never stored; the video is streamed, checked
    (size as announced, an MP4 with a video track) and only then renamed into place.

    Returns `{"locale", "job_id", "files": [StoredFile.to_dict(), ...], "downloaded_at"}`.
    """

    template_fields: Sequence[str] = ("video_model_id", "output_dir", "locale")

    def __init__(
        self,
        *,
        video_model_id: str,
        output_dir: str,
        locale: str | None = None,
        include_srt: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.video_model_id = video_model_id
        self.output_dir = output_dir
        self.locale = locale
        self.include_srt = include_srt

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
        files: list[StoredFile] = [self._save_video(url, folder / "video.mp4")]
        subtitle_url = job.subtitle_url
        if self.include_srt and subtitle_url:
            files.append(
                stream_to_storage(
                    self.hook.api, subtitle_url, folder / f"{locale}.srt", check_head=require_text
                )
            )
        return {
            "locale": locale,
            "job_id": self.video_model_id,
            "files": [stored.to_dict() for stored in files],
            "downloaded_at": datetime.now(UTC).isoformat(),
        }

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
