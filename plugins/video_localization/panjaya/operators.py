"""Panjaya operators: create/upload an asset, add languages, generate, revise, studio link, SRT, download.

Each pushes the ids the next step needs (never media, never secrets) and waits in the triggerer when
deferrable. Paid steps run once per task instance: the asset by `submit_once` (state store + a lookup by
the asset's reference-carrying name), a generation by the version's own status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from video_localization.core import secret_source
from video_localization.core.errors import VendorJobFailed
from video_localization.core.lineage import DeliveryLineageMixin
from video_localization.core.operators import VendorJobOperator
from video_localization.core.storage import (
    StoredFile,
    as_storage_path,
    require_mp4,
    require_text,
    stream_to_storage,
    write_bytes,
)
from video_localization.core.submit_once import idempotency_reference, submit_once
from video_localization.core.validation import http_url, one_of
from video_localization.panjaya import languages, reconcile
from video_localization.panjaya.hook import PanjayaHook
from video_localization.panjaya.links import STUDIO_URL_XCOM_KEY, PanjayaStudioLink
from video_localization.panjaya.models import (
    AssetOptions,
    AssetStatus,
    CreateAssetRequest,
    SrtLocality,
    TargetLanguage,
    VersionStatus,
)
from video_localization.panjaya.triggers import (
    PanjayaAssetTrigger,
    PanjayaVersionTrigger,
    asset_outcome,
    version_outcome,
)
from video_localization.panjaya.validation import validate_asset_options, validate_targets

ASSET_STATE_KEY = "panjaya_asset_id"


def _blank_as_none(value: Any) -> Any:
    """An empty (templated) field means "not given"; a 0 is a value, checked like any other."""
    return None if value is None or value == "" else value


class PanjayaBaseOperator(VendorJobOperator):
    """Base of the Panjaya operators: the connection and its cached hook.

    :param panjaya_conn_id: the Panjaya connection (default `panjaya_default`).

    It also takes the wait arguments of `VendorJobOperator` (`deferrable`, `wait_timeout`, `poll_interval`,
    `max_poll_interval`, `poll_backoff`).
    """

    vendor = "panjaya"

    def __init__(self, *, panjaya_conn_id: str = PanjayaHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.panjaya_conn_id = panjaya_conn_id

    @cached_property
    def hook(self) -> PanjayaHook:
        return PanjayaHook(self.panjaya_conn_id)

    def expects_callbacks(self) -> bool:
        return bool(getattr(self, "callback_url", None) or self.hook.extras.get("callback_url"))

    def _version_locale(self, version_id: str) -> str | None:
        """The locale a version's own answer names, if any (asked only for dubbings that name none)."""
        return self.hook.get_version(version_id).locale


class _PanjayaAssetOperator(PanjayaBaseOperator):
    """Shared by create (from URL) and upload: validate, submit once, push ids, wait for the versions."""

    template_fields: Sequence[str] = (
        "source_locale",
        "target_locales",
        "asset_name",
        "speakers_count",
        "start_time",
        "end_time",
        "lips_model",
        "voice_anonymization",
        "background_url",
        "callback_url",
    )

    def __init__(
        self,
        *,
        source_locale: str,
        target_locales: Sequence[str],
        asset_name: str | None = None,
        speakers_count: int | None = None,
        start_time: float | None = None,
        end_time: float | None = None,
        lips_model: str | None = None,
        voice_anonymization: float | None = None,
        background_url: str | None = None,
        callback_url: str | None = None,
        srt_by_locale: Mapping[str, str] | None = None,
        wait_for_versions: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_locale = source_locale
        self.target_locales = target_locales
        self.asset_name = asset_name
        self.speakers_count = speakers_count
        self.start_time = start_time
        self.end_time = end_time
        self.lips_model = lips_model
        self.voice_anonymization = voice_anonymization
        self.background_url = background_url
        self.callback_url = callback_url
        self.srt_by_locale = srt_by_locale
        self.wait_for_versions = wait_for_versions

    def _options(self, reference: str) -> AssetOptions:
        options = validate_asset_options(
            source_locale=self.source_locale,
            target_locales=self.target_locales,
            name=f"{self.asset_name or self.dag_id} [{reference}]",
            speakers_count=_blank_as_none(self.speakers_count),
            start_time=self.start_time,
            end_time=_blank_as_none(self.end_time),
            lips_model=self.lips_model or None,
            voice_anonymization=self.voice_anonymization,
            background_url=self.background_url or None,
            callback_url=self.callback_url or self.hook.extras.get("callback_url") or None,
            srt_by_locale=self.srt_by_locale,
        )
        return options

    def _submit(self, options: AssetOptions) -> str:
        raise NotImplementedError

    def _create_from_url(self, options: AssetOptions, media_url: str) -> str:
        return self.hook.create_asset(CreateAssetRequest(media_url=media_url, **options.model_dump())).id

    def _upload_from_path(self, options: AssetOptions, source_path: str, background_path: str | None) -> str:
        source = as_storage_path(source_path)
        background = as_storage_path(background_path) if background_path else None
        with source.open("rb") as video:
            if background is None:
                return self.hook.upload_asset(options, video, source.name).id
            with background.open("rb") as background_file:
                return self.hook.upload_asset(
                    options, video, source.name, background_file, background.name
                ).id

    def _find_by_name(self, name: str) -> str | None:
        for asset in self.hook.find_assets_named(name):
            if asset.status is not AssetStatus.FAILED:
                return asset.id
        return None

    def execute(self, context: Any) -> Any:
        reference = idempotency_reference(context)
        options = self._options(reference)  # raises before any vendor call on bad input
        result = submit_once(
            context,
            state_key=ASSET_STATE_KEY,
            reference=reference,
            submit=lambda: reconcile.guarded_create(context, lambda: self._submit(options)),
            find_existing=lambda _ref: reconcile.find_existing(
                context, self.hook, options, lambda: self._find_by_name(options.name or "")
            ),
            is_reusable=lambda asset_id: self.hook.get_asset(asset_id).status is not AssetStatus.FAILED,
        )
        asset_id = result.job_id
        context["ti"].xcom_push(key="asset_id", value=asset_id)
        self.log.info("Panjaya asset %s (%s)", asset_id, result.how)
        if not self.wait_for_versions:
            return {"asset_id": asset_id, "versions": {}, "reused": result.reused}
        return self.wait_for(
            context,
            check=lambda: asset_outcome(self.hook.get_asset(asset_id)),
            trigger=lambda: PanjayaAssetTrigger(
                asset_id=asset_id, conn_id=self.panjaya_conn_id, **self.poll_schedule()
            ),
            ids={"asset_id": asset_id},
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        event = self.raise_for_event(event)
        versions = event.get("versions", {})
        statuses = event.get("version_statuses", {})
        requested = validate_targets(self.source_locale, self.target_locales)
        if not set(requested) <= versions.keys():
            # The answers did not name every dubbing's language (guess PANJAYA_ANSWER_LOCALE): match them.
            matched = languages.versions_for(
                self.hook.get_asset(event["asset_id"]), requested, self._version_locale
            )
            versions = {locale: version.id for locale, version in matched.items()}
            statuses = {locale: version.status.value for locale, version in matched.items()}
        failed = {loc: st for loc, st in statuses.items() if st == VersionStatus.FAILED}
        if failed:
            self.log.warning("Versions that failed to prepare: %s", failed)
        return {"asset_id": event["asset_id"], "versions": versions, "version_statuses": statuses}


class PanjayaCreateAssetOperator(_PanjayaAssetOperator):
    """Create an asset from a public media URL and wait until each language's first version is ready.

    Returns `{"asset_id", "versions": {locale: version_id}, "version_statuses": {locale: status}}`.

    :param media_url: a public http(s) URL of the video, which Panjaya fetches.
    :param source_locale: the spoken language of the source (a project tag, e.g. `en-US`).
    :param target_locales: the languages to dub into (project tags).
    :param asset_name: the asset's name at Panjaya (default: the DAG id); the task instance's reference is
        appended.
    :param speakers_count: distinct speakers in the video; empty = Panjaya detects them.
    :param start_time: dub from this second on.
    :param end_time: dub up to this second; empty = to the end.
    :param lips_model: `real_face` or `real_face_turbo`.
    :param voice_anonymization: 0 keeps the speaker's voice, 1 makes it sound very different.
    :param background_url: an http(s) URL of a background track to use.
    :param callback_url: where Panjaya posts status updates; default: the connection's `callback_url` extra.
    :param srt_by_locale: `{locale: SRT text}` to dub from instead of Panjaya's transcription.
    :param wait_for_versions: False returns right after the asset is created.
    :param panjaya_conn_id: the Panjaya connection (default `panjaya_default`).

    It also takes the wait arguments of `VendorJobOperator` (`deferrable`, `wait_timeout`, `poll_interval`,
    `max_poll_interval`, `poll_backoff`).
    """

    template_fields: Sequence[str] = (*_PanjayaAssetOperator.template_fields, "media_url")

    def __init__(self, *, media_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.media_url = media_url

    def _options(self, reference: str) -> AssetOptions:
        http_url("media_url", self.media_url)
        return super()._options(reference)

    def _submit(self, options: AssetOptions) -> str:
        return self._create_from_url(options, self.media_url)


class PanjayaUploadAssetOperator(_PanjayaAssetOperator):
    """Upload a local or object-storage video (streamed multipart) as a new asset; then as create.

    :param source_path: the video (a local path or an object-storage URI), streamed to Panjaya.
    :param background_path: a background track to upload with it.
    :param source_locale: the spoken language of the source (a project tag, e.g. `en-US`).
    :param target_locales: the languages to dub into (project tags).
    :param asset_name: the asset's name at Panjaya (default: the DAG id); the task instance's reference is
        appended.
    :param speakers_count: distinct speakers in the video; empty = Panjaya detects them.
    :param start_time: dub from this second on.
    :param end_time: dub up to this second; empty = to the end.
    :param lips_model: `real_face` or `real_face_turbo`.
    :param voice_anonymization: 0 keeps the speaker's voice, 1 makes it sound very different.
    :param background_url: an http(s) URL of a background track to use.
    :param callback_url: where Panjaya posts status updates; default: the connection's `callback_url` extra.
    :param srt_by_locale: `{locale: SRT text}` to dub from instead of Panjaya's transcription.
    :param wait_for_versions: False returns right after the asset is created.
    :param panjaya_conn_id: the Panjaya connection (default `panjaya_default`).

    It also takes the wait arguments of `VendorJobOperator` (`deferrable`, `wait_timeout`, `poll_interval`,
    `max_poll_interval`, `poll_backoff`).
    """

    template_fields: Sequence[str] = (
        *_PanjayaAssetOperator.template_fields,
        "source_path",
        "background_path",
    )

    def __init__(self, *, source_path: str, background_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source_path = source_path
        self.background_path = background_path

    def _submit(self, options: AssetOptions) -> str:
        return self._upload_from_path(options, self.source_path, self.background_path)


class PanjayaAssetFromSourceOperator(_PanjayaAssetOperator):
    """Create from an http(s) URL (Panjaya fetches it) or upload a path / object-storage URI (streamed).

    For pipelines whose source is chosen at run time (the `localize_video` form takes either).

    :param source: an http(s) URL Panjaya fetches, or a path / object-storage URI streamed to it.
    :param background_path: a background track to upload with a file source.
    :param source_locale: the spoken language of the source (a project tag, e.g. `en-US`).
    :param target_locales: the languages to dub into (project tags).
    :param asset_name: the asset's name at Panjaya (default: the DAG id); the task instance's reference is
        appended.
    :param speakers_count: distinct speakers in the video; empty = Panjaya detects them.
    :param start_time: dub from this second on.
    :param end_time: dub up to this second; empty = to the end.
    :param lips_model: `real_face` or `real_face_turbo`.
    :param voice_anonymization: 0 keeps the speaker's voice, 1 makes it sound very different.
    :param background_url: an http(s) URL of a background track to use.
    :param callback_url: where Panjaya posts status updates; default: the connection's `callback_url` extra.
    :param srt_by_locale: `{locale: SRT text}` to dub from instead of Panjaya's transcription.
    :param wait_for_versions: False returns right after the asset is created.
    :param panjaya_conn_id: the Panjaya connection (default `panjaya_default`).

    It also takes the wait arguments of `VendorJobOperator` (`deferrable`, `wait_timeout`, `poll_interval`,
    `max_poll_interval`, `poll_backoff`).
    """

    template_fields: Sequence[str] = (*_PanjayaAssetOperator.template_fields, "source", "background_path")

    def __init__(self, *, source: str, background_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.background_path = background_path
        self._resolved_source: str | None = None

    def execute(self, context: Any) -> Any:
        # A plan's signed source URL is a reference to the run's conf: read (and masked) only here.
        self._resolved_source = secret_source.resolve(self.source, context)
        return super().execute(context)

    def _submit(self, options: AssetOptions) -> str:
        source = self._resolved_source if self._resolved_source is not None else self.source
        if str(source).startswith(("http://", "https://")):
            return self._create_from_url(options, http_url("source", source))
        return self._upload_from_path(options, source, self.background_path)


class PanjayaAddLanguagesOperator(PanjayaBaseOperator):
    """Add target languages an asset lacks (so a retry adds nothing twice), then wait for their versions.

    :param asset_id: the Panjaya asset.
    :param target_locales: the languages the asset must have (those it lacks are added).
    :param srt_by_locale: `{locale: SRT text}` to dub from instead of Panjaya's transcription.
    :param panjaya_conn_id: the Panjaya connection (default `panjaya_default`).

    It also takes the wait arguments of `VendorJobOperator` (`deferrable`, `wait_timeout`, `poll_interval`,
    `max_poll_interval`, `poll_backoff`).
    """

    template_fields: Sequence[str] = ("asset_id", "target_locales")

    def __init__(
        self,
        *,
        asset_id: str,
        target_locales: Sequence[str],
        srt_by_locale: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.asset_id = asset_id
        self.target_locales = target_locales
        self.srt_by_locale = srt_by_locale or {}

    def execute(self, context: Any) -> Any:
        asset = self.hook.get_asset(self.asset_id)
        wanted = validate_targets(asset.locale, self.target_locales)
        labelled = languages.dubbing_languages(asset, self._version_locale)
        unnamed = [dubbing.id for dubbing, locale in labelled if locale is None]
        if unnamed:
            # Adding a language the asset already has could pay for it twice: ask instead of guessing.
            raise AirflowFailException(
                f"asset {self.asset_id}: Panjaya's answers do not name the language of dubbings "
                f"{', '.join(unnamed)} (guess PANJAYA_ANSWER_LOCALE), so whether it already has "
                f"{', '.join(wanted)} cannot be told; check the asset in Panjaya Dubbing Studio and add "
                "the languages it lacks there (nothing was added)"
            )
        present = [locale for _, locale in labelled if locale is not None]
        missing = [tag for tag in wanted if tag not in present]
        if missing:
            self.hook.add_languages(
                self.asset_id,
                [TargetLanguage(locale=tag, srt=self.srt_by_locale.get(tag)) for tag in missing],
            )
            self.log.info("Added %s to asset %s", ", ".join(missing), self.asset_id)
        else:
            self.log.info("Asset %s already has %s; nothing added", self.asset_id, ", ".join(wanted))
        return self.wait_for(
            context,
            check=lambda: asset_outcome(self.hook.get_asset(self.asset_id)),
            trigger=lambda: PanjayaAssetTrigger(
                asset_id=self.asset_id, conn_id=self.panjaya_conn_id, **self.poll_schedule()
            ),
            ids={"asset_id": self.asset_id},
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        event = self.raise_for_event(event)
        versions = event.get("versions", {})
        wanted = validate_targets(None, self.target_locales)
        if not set(wanted) <= versions.keys():
            # The added dubbings' answers do not name their language (guess PANJAYA_ANSWER_LOCALE): the
            # dubbings that name none are the ones just added, in the order they were asked for.
            asset = self.hook.get_asset(event["asset_id"])
            present = [locale for _, locale in languages.dubbing_languages(asset) if locale is not None]
            requested = [*present, *(tag for tag in wanted if tag not in present)]
            matched = languages.versions_for(asset, requested, self._version_locale)
            versions = {locale: version.id for locale, version in matched.items()}
        return {"asset_id": event["asset_id"], "versions": versions}


class PanjayaGenerateVersionOperator(PanjayaBaseOperator):
    """Generate a version's final video and wait until it is Completed.

    Once per task instance by construction: a version that is already Generating or Completed is
    reattached to, never generated again. A version still NotReady is waited for first. A Failed one
    fails the task with the vendor's words unless `revise_failed=True` (revise, then generate).

    :param version_id: the Panjaya version to generate.
    :param locale: its language, carried into the result (default: Panjaya's).
    :param revise_failed: revise a Failed version and generate it again (paid) instead of failing.
    :param panjaya_conn_id: the Panjaya connection (default `panjaya_default`).

    It also takes the wait arguments of `VendorJobOperator` (`deferrable`, `wait_timeout`, `poll_interval`,
    `max_poll_interval`, `poll_backoff`).
    """

    template_fields: Sequence[str] = ("version_id", "locale")
    operator_extra_links = (PanjayaStudioLink(),)

    def __init__(
        self, *, version_id: str, locale: str | None = None, revise_failed: bool = False, **kwargs: Any
    ):
        super().__init__(**kwargs)
        self.version_id = version_id
        self.locale = locale
        self.revise_failed = revise_failed

    def execute(self, context: Any) -> Any:
        version = self.hook.get_version(self.version_id)
        if version.studio_url:
            context["ti"].xcom_push(key=STUDIO_URL_XCOM_KEY, value=version.studio_url)
        if version.status is VersionStatus.NOT_READY:
            return self.wait_for(
                context,
                check=lambda: version_outcome(self.hook.get_version(self.version_id), "editable"),
                trigger=lambda: PanjayaVersionTrigger(
                    version_id=self.version_id,
                    wait_for="editable",
                    conn_id=self.panjaya_conn_id,
                    **self.poll_schedule(),
                ),
                ids={"version_id": self.version_id},
                method_name="execute_generate",
            )
        return self._generate_and_wait(context, version.status)

    def execute_generate(self, context: Any, event: dict[str, Any]) -> Any:
        self.raise_for_event(event)
        return self._generate_and_wait(context, self.hook.get_version(self.version_id).status)

    def _generate_and_wait(self, context: Any, status: VersionStatus) -> Any:
        if status is VersionStatus.FAILED:
            if not self.revise_failed:
                version = self.hook.get_version(self.version_id)
                detail = f": {version.error.code}: {version.error.message}" if version.error else ""
                raise VendorJobFailed(
                    "panjaya",
                    f"version {self.version_id} ({self.locale or version.locale}) is Failed{detail}; "
                    "set revise_failed=True to revise and generate it again",
                )
            self.hook.revise_version(self.version_id)
            status = VersionStatus.READY_TO_EDIT
        if status is VersionStatus.READY_TO_EDIT:
            self.hook.generate_version(self.version_id)
            self.log.info("Generation of version %s started", self.version_id)
        else:
            self.log.info(
                "Version %s is already %s: reattaching, not generating again", self.version_id, status
            )
        return self.wait_for(
            context,
            check=lambda: version_outcome(self.hook.get_version(self.version_id), "generated"),
            trigger=lambda: PanjayaVersionTrigger(
                version_id=self.version_id, conn_id=self.panjaya_conn_id, **self.poll_schedule()
            ),
            ids={"version_id": self.version_id},
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        event = self.raise_for_event(event)
        return {
            "version_id": event["version_id"],
            "locale": event.get("locale") or self.locale,
            "status": "Completed",
        }


class PanjayaReviseVersionOperator(PanjayaBaseOperator):
    """Put a version back into editing (deletes its generated video). Returns the version id.

    With `studio_url_expiration_minutes`, Panjaya also answers a signed studio link; it is logged as
    present but not pushed to XCom, since anyone holding it can edit the version.

    :param version_id: the Panjaya version.
    :param studio_url_expiration_minutes: also ask Panjaya for a signed studio link valid this long (logged,
        not stored).
    :param panjaya_conn_id: the Panjaya connection (default `panjaya_default`).
    """

    template_fields: Sequence[str] = ("version_id",)

    def __init__(self, *, version_id: str, studio_url_expiration_minutes: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.version_id = version_id
        self.studio_url_expiration_minutes = studio_url_expiration_minutes

    def execute(self, context: Any) -> dict[str, Any]:
        answer = self.hook.revise_version(self.version_id, self.studio_url_expiration_minutes)
        self.log.info(
            "Version %s is ReadyToEdit again%s",
            self.version_id,
            " (signed studio link issued)" if answer.studio_url else "",
        )
        return {"version_id": self.version_id, "status": VersionStatus.READY_TO_EDIT.value}


class PanjayaStudioUrlOperator(PanjayaBaseOperator):
    """Create a signed link to a version's studio page, for reviewers who have no Panjaya login.

    The link is the result (XCom), because sharing it is the point; keep `expiration_minutes` short.

    :param version_id: the Panjaya version.
    :param expiration_minutes: how long the signed link works.
    :param panjaya_conn_id: the Panjaya connection (default `panjaya_default`).
    """

    template_fields: Sequence[str] = ("version_id", "expiration_minutes")

    def __init__(self, *, version_id: str, expiration_minutes: int = 180, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.version_id = version_id
        self.expiration_minutes = expiration_minutes

    def execute(self, context: Any) -> str:
        return self.hook.create_studio_url(self.version_id, int(self.expiration_minutes))


def _srt_name(locale: str, locality: SrtLocality) -> str:
    """`<locale>.srt`; a source transcript is named after the source language, marked as such."""
    return f"{locale}.source.srt" if locality is SrtLocality.SOURCE else f"{locale}.srt"


class PanjayaGetSrtOperator(PanjayaBaseOperator):
    """Save a version's SRT (source transcript or target translation) into output storage.

    :param version_id: the Panjaya version.
    :param output_dir: the folder (path or object-storage URI) the SRT is saved to.
    :param locality: `target` (the translation) or `source` (the transcript).
    :param panjaya_conn_id: the Panjaya connection (default `panjaya_default`).
    """

    template_fields: Sequence[str] = ("version_id", "output_dir", "locality")

    def __init__(self, *, version_id: str, output_dir: str, locality: str = "target", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.version_id = version_id
        self.output_dir = output_dir
        self.locality = locality

    def execute(self, context: Any) -> dict[str, Any]:
        locality = SrtLocality(one_of("locality", self.locality, [member.value for member in SrtLocality]))
        version = self.hook.get_version(self.version_id)
        text = self.hook.get_srt(self.version_id, locality)
        locale = version.locale
        if locality is SrtLocality.SOURCE and version.asset_id:
            locale = self.hook.get_asset(version.asset_id).locale
        stored = write_bytes(
            # Named after the version when Panjaya's answer names no language (PANJAYA_ANSWER_LOCALE).
            as_storage_path(self.output_dir) / _srt_name(locale or self.version_id, locality),
            text.encode(),
            "application/x-subrip",
        )
        return stored.to_dict()


class PanjayaDownloadVersionOperator(DeliveryLineageMixin, PanjayaBaseOperator):
    """Save a Completed version's video (and its target SRT) into `output_dir`, verified.

    Files are `video.mp4` and `<locale>.srt`, or `<file_stem>.mp4` and `<file_stem>.srt` when a
    `file_stem` is given (deliverables named for people: `launch.fr-FR.mp4`). The signed `result_url` is
    fetched fresh here and never stored: only file URIs, sizes and checksums go to XCom.

    :param version_id: the Completed Panjaya version.
    :param output_dir: the folder (path or object-storage URI) the files go to.
    :param locale: the language, for the result (default: the version's).
    :param include_srt: also save the version's target SRT.
    :param file_stem: the files' name without extension (default `video` and `<locale>`).
    :param lineage_source: the source video the files were made from (templated): the OpenLineage input;
        default: the vendor job.
    :param panjaya_conn_id: the Panjaya connection (default `panjaya_default`).
    """

    template_fields: Sequence[str] = ("version_id", "output_dir", "locale", "file_stem", "lineage_source")

    def __init__(
        self,
        *,
        version_id: str,
        output_dir: str,
        locale: str | None = None,
        include_srt: bool = True,
        file_stem: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.version_id = version_id
        self.output_dir = output_dir
        self.locale = locale
        self.include_srt = include_srt
        self.file_stem = file_stem

    def execute(self, context: Any) -> dict[str, Any]:
        version = self.hook.get_version(self.version_id)
        # The language the pipeline asked for wins: Panjaya's answer may not name one (PANJAYA_ANSWER_LOCALE).
        locale = self.locale or version.locale
        if version.status is not VersionStatus.COMPLETED or not version.result_url:
            raise AirflowException(
                f"version {self.version_id} is {version.status.value} with "
                f"{'a' if version.result_url else 'no'} result_url: "
                "only a Completed version can be downloaded"
            )
        folder: ObjectStoragePath = as_storage_path(self.output_dir)
        suffix = PurePosixPath(version.result_url.split("?", 1)[0]).suffix or ".mp4"
        files: list[StoredFile] = [
            stream_to_storage(
                self.hook.api,
                version.result_url,
                folder / f"{self.file_stem or 'video'}{suffix}",
                check_head=require_mp4,
            )
        ]
        if self.include_srt:
            srt = self.hook.get_srt(self.version_id, SrtLocality.TARGET)
            require_text(srt.encode())
            files.append(
                write_bytes(
                    folder
                    / (
                        f"{self.file_stem}.srt"
                        if self.file_stem
                        else _srt_name(locale or self.version_id, SrtLocality.TARGET)
                    ),
                    srt.encode(),
                    "application/x-subrip",
                )
            )
        result = {
            "locale": locale,
            "version_id": self.version_id,
            "asset_id": version.asset_id,
            "files": [stored.to_dict() for stored in files],
            "downloaded_at": datetime.now(UTC).isoformat(),
        }
        self.remember_delivery(
            self.vendor,
            {"version_id": self.version_id, "asset_id": version.asset_id, "locale": locale},
            result["files"],
            job_url=self.hook.version_url(self.version_id),
        )
        return result
