"""Panjaya's objects and their time-driven state machines: assets, dubbings, versions, callbacks.

Asset: `Processing` for ASSET_PROCESSING_STAGES stages (and until its media is fetched), then `Failed`
with an error read from the real media and the account's limits, or `Ready` with one dubbing per target
language. Version: `NotReady` -> `ReadyToEdit` (or `Failed` for an invalid user SRT) after one stage;
`generate` -> `Generating` -> `Completed` (or `Failed`) after two; `revise` -> `ReadyToEdit`.
Transitions are computed on a virtual timeline (each step starts when the previous one ended), advanced on
every request and by a small ticker so callbacks fire even when nobody polls.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from video_localization_dev.sandbox.media import MediaInfo, probe_bytes
from video_localization_dev.sandbox.panjaya import signing, srt
from video_localization_dev.sandbox.panjaya import wire as w
from video_localization_dev.sandbox.panjaya.fetch import FetchError, fetch_bounded
from video_localization_dev.sandbox.panjaya.models import AssetParameters, BadRequest, TargetLanguage
from video_localization_dev.sandbox.state import Sandbox

log = logging.getLogger(__name__)


def _new_id() -> str:
    """Inferred: Panjaya ids are UUID4 strings."""
    return str(uuid.uuid4())


@dataclass
class Version:
    id: str
    asset_id: str
    dubbing_id: str
    locale: str
    step_started: float  # monotonic start of the current timed step
    created_at: float  # wall clock
    user_cues: list[srt.Cue] | None = None
    srt_error: str | None = None
    status: str = w.VERSION_NOT_READY
    updated_at: float = 0.0
    error: dict[str, str] | None = None
    generation_id: str | None = None  # the generated video that result_url points at, while it exists
    fail_generation: bool = False

    def __post_init__(self) -> None:
        self.updated_at = self.updated_at or self.created_at


@dataclass
class Dubbing:
    id: str
    locale: str
    versions: list[Version] = field(default_factory=list)


@dataclass
class Asset:
    id: str
    account: str
    seq: int
    name: str
    params: AssetParameters
    media_url: str | None
    started: float  # monotonic
    created_at: float  # wall clock
    status: str = w.ASSET_PROCESSING
    media: bytes | None = None
    info: MediaInfo | None = None
    fetch_error: str | None = None
    background_error: str | None = None
    probed_at: float | None = None  # monotonic; None while the media is still being fetched
    error: dict[str, str] | None = None
    dubbings: list[Dubbing] = field(default_factory=list)
    processed_seconds: float = 0.0

    def end_time(self) -> float:
        """The trim end: `end_time` if given, else the end of the video."""
        if self.params.end_time is not None:
            return self.params.end_time
        return self.info.duration_seconds if self.info else 0.0

    def start_time(self) -> float:
        return self.params.start_time or 0.0


def wall_time(monotonic_at: float) -> float:
    """The wall-clock time of a past or future monotonic instant."""
    return time.time() - (time.monotonic() - monotonic_at)


class PanjayaStore:
    """Every Panjaya object of one sandbox, guarded by `sandbox.lock`."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.assets: dict[str, Asset] = {}
        self.versions: dict[str, Version] = {}
        self.failing_generations = 0
        self.omit_inferred_fields = False
        self._seq = itertools.count()
        self._tasks: set[asyncio.Task] = set()
        self._ticker: asyncio.Task | None = None
        self._ticker_loop: asyncio.AbstractEventLoop | None = None

    def clear(self) -> None:
        with self.sandbox.lock:
            self.assets.clear()
            self.versions.clear()
            self.failing_generations = 0
            self.omit_inferred_fields = False

    # -- lookups ----------------------------------------------------------------------------------
    def asset(self, account: str, asset_id: str) -> Asset | None:
        asset = self.assets.get(asset_id)
        return asset if asset is not None and asset.account == account else None

    def version(self, account: str, version_id: str) -> Version | None:
        version = self.versions.get(version_id)
        if version is None:
            return None
        return version if self.asset(account, version.asset_id) is not None else None

    def account_assets(self, account: str) -> list[Asset]:
        """The account's assets, newest first."""
        return sorted((a for a in self.assets.values() if a.account == account), key=lambda a: -a.seq)

    # -- creation ---------------------------------------------------------------------------------
    def create_asset(
        self,
        account: str,
        params: AssetParameters,
        name: str,
        *,
        media_url: str | None = None,
        video: bytes | None = None,
        background: bytes | None = None,
    ) -> Asset:
        """Store a new `Processing` asset and start reading its media (fetched for `media_url`)."""
        now = time.monotonic()
        asset = Asset(
            id=_new_id(),
            account=account,
            seq=next(self._seq),
            name=name,
            params=params,
            media_url=media_url,
            started=now,
            created_at=time.time(),
        )
        if video is not None:
            self._take_media(asset, video)
            if background is not None:
                asset.background_error = self._background_problem(background)
            asset.probed_at = now
        with self.sandbox.lock:
            self.assets[asset.id] = asset
        if video is None:
            task = asyncio.get_running_loop().create_task(self._fetch(asset))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return asset

    def _take_media(self, asset: Asset, data: bytes) -> None:
        asset.media = data
        asset.info = probe_bytes(data)

    @staticmethod
    def _background_problem(data: bytes) -> str | None:
        """A background track must hold audio: empty files and MP4s without a sound track are refused."""
        if not data:
            return "the background audio file is empty"
        info = probe_bytes(data)
        if info.is_mp4 and not info.has_audio:
            return "the background file has no audio track"
        return None

    async def _fetch(self, asset: Asset) -> None:
        """Download media_url (and background_url), bounded by the upload limit, then probe them."""
        limit = self.sandbox.settings.max_upload_bytes + 1
        assert asset.media_url is not None
        fetch_error = background_error = None
        media = background = None
        try:
            media = await fetch_bounded(asset.media_url, limit, w.MEDIA_FETCH_TIMEOUT_SECONDS)
        except FetchError as exc:
            fetch_error = f"media_url could not be fetched: {exc}"
        if media is not None and asset.params.background_url:
            try:
                background = await fetch_bounded(
                    asset.params.background_url, limit, w.MEDIA_FETCH_TIMEOUT_SECONDS
                )
            except FetchError as exc:
                background_error = f"background_url could not be fetched: {exc}"
        with self.sandbox.lock:
            asset.fetch_error = fetch_error
            if media is not None:
                self._take_media(asset, media)
            if background is not None:
                background_error = self._background_problem(background)
            asset.background_error = background_error
            asset.probed_at = time.monotonic()

    def _new_dubbing(self, asset: Asset, target: TargetLanguage, started: float) -> Dubbing:
        dubbing = Dubbing(id=_new_id(), locale=target.locale)
        version = Version(
            id=_new_id(),
            asset_id=asset.id,
            dubbing_id=dubbing.id,
            locale=target.locale,
            step_started=started,
            created_at=wall_time(started),
        )
        if target.srt:
            try:
                version.user_cues = srt.parse(target.srt)
            except srt.SrtError as exc:
                version.srt_error = f"the SRT given for {target.locale} is invalid: {exc}"
        dubbing.versions.append(version)
        asset.dubbings.append(dubbing)
        self.versions[version.id] = version
        return dubbing

    # -- state machines ---------------------------------------------------------------------------
    def advance_all(self) -> None:
        """Move every object to where time has brought it, oldest asset first, firing callbacks."""
        with self.sandbox.lock:
            for asset in sorted(self.assets.values(), key=lambda a: a.seq):
                self._advance_asset(asset)

    def _advance_asset(self, asset: Asset) -> None:
        step = max(self.sandbox.settings.step_seconds, 0.0)
        if (
            asset.status == w.ASSET_PROCESSING
            and asset.probed_at is not None
            and self.sandbox.stages_elapsed(asset.started) >= w.ASSET_PROCESSING_STAGES
        ):
            done_at = max(asset.started + w.ASSET_PROCESSING_STAGES * step, asset.probed_at)
            error = self._asset_error(asset)
            if error is not None:
                asset.status = w.ASSET_FAILED
                asset.error = {"code": error[0], "message": error[1]}
                self._emit(asset, w.EVENT_ASSET_FAILED, None)
            else:
                asset.status = w.ASSET_READY
                asset.processed_seconds = asset.end_time() - asset.start_time()
                for target in asset.params.target_languages:
                    self._new_dubbing(asset, target, done_at)
        for dubbing in asset.dubbings:
            for version in dubbing.versions:
                self._advance_version(asset, version, step)

    def _asset_error(self, asset: Asset) -> tuple[str, str] | None:
        """The documented error code this asset's real media, parameters and account lead to, if any."""
        if asset.fetch_error is not None:
            return w.INVALID_INPUT, asset.fetch_error
        info = asset.info
        assert info is not None
        limit = self.sandbox.settings.max_upload_bytes
        if info.size_bytes > limit:
            return w.VIDEO_SIZE_LIMIT_REACHED, f"The video file exceeds the size limit of {limit} bytes."
        if not info.is_mp4 or not info.has_video:
            return w.UNSUPPORTED_MEDIA, "We didn't find a valid video stream in the media file."
        if not info.has_audio:
            return w.MISSING_AUDIO_TRACK, "No audio tracks were found in the source video."
        if not info.has_speech:
            return w.EMPTY_TRANSCRIPT, "No spoken content was identified in the uploaded video."
        duration = info.duration_seconds
        start, end = asset.start_time(), asset.end_time()
        if start >= duration or end > duration + 1e-6:
            return (
                w.TIME_OUT_OF_RANGE,
                f"start_time {start:g} / end_time {end:g} is out of the video range (0 to {duration:g} s).",
            )
        if asset.background_error is not None:
            return w.INVALID_INPUT, asset.background_error
        speakers = asset.params.speakers_count
        if speakers is not None and speakers > len(w.SOURCE_TRANSCRIPT):
            return (
                w.INVALID_INPUT,
                f"speakers_count {speakers} does not match the video: only {len(w.SOURCE_TRANSCRIPT)} "
                "utterances were found.",
            )
        used = sum(
            a.processed_seconds
            for a in self.assets.values()
            if a.account == asset.account and a.status == w.ASSET_READY
        )
        allowed = self.sandbox.settings.account_duration_limit_seconds
        if used + (end - start) > allowed:
            return (
                w.VIDEO_DURATION_LIMIT_REACHED,
                f"The video duration limit for your account has been reached ({used:g} of {allowed:g} s "
                f"used, this video needs {end - start:g} s).",
            )
        return None

    def _advance_version(self, asset: Asset, version: Version, step: float) -> None:
        if (
            version.status == w.VERSION_NOT_READY
            and self.sandbox.stages_elapsed(version.step_started) >= w.VERSION_PREPARING_STAGES
        ):
            done_at = version.step_started + w.VERSION_PREPARING_STAGES * step
            if version.srt_error is not None:
                self._set(version, w.VERSION_FAILED, done_at)
                version.error = {"code": w.VERSION_ERROR_INVALID_SRT, "message": version.srt_error}
                self._emit(asset, w.EVENT_VERSION_FAILED, version)
            else:
                self._set(version, w.VERSION_READY_TO_EDIT, done_at)
                self._emit(asset, w.EVENT_VERSION_READY, version)
        if (
            version.status == w.VERSION_GENERATING
            and self.sandbox.stages_elapsed(version.step_started) >= w.VERSION_GENERATING_STAGES
        ):
            done_at = version.step_started + w.VERSION_GENERATING_STAGES * step
            if version.fail_generation:
                self._set(version, w.VERSION_FAILED, done_at)
                version.error = {
                    "code": w.VERSION_ERROR_GENERATION_FAILED,
                    "message": "An error occurred during the video generation process.",
                }
                self._emit(asset, w.EVENT_VERSION_GENERATE_FAILED, version)
            else:
                self._set(version, w.VERSION_COMPLETED, done_at)
                version.generation_id = _new_id()
                self._emit(asset, w.EVENT_VERSION_GENERATED, version)

    @staticmethod
    def _set(version: Version, status: str, at: float) -> None:
        version.status = status
        version.step_started = at
        version.updated_at = wall_time(at)

    def progress(self, version: Version) -> int:
        """Share of the current step done: grows during NotReady and Generating, 100 once Completed."""
        stages = {
            w.VERSION_NOT_READY: w.VERSION_PREPARING_STAGES,
            w.VERSION_GENERATING: w.VERSION_GENERATING_STAGES,
        }
        if version.status == w.VERSION_COMPLETED:
            return 100
        if version.status not in stages:
            return 0
        step = self.sandbox.settings.step_seconds
        if step <= 0:
            return 99
        share = (time.monotonic() - version.step_started) / (stages[version.status] * step)
        return max(0, min(99, int(share * 100)))

    # -- user actions -----------------------------------------------------------------------------
    def add_languages(self, asset: Asset, targets: list[TargetLanguage]) -> None:
        with self.sandbox.lock:
            self.advance_all()
            if asset.status != w.ASSET_READY:
                raise BadRequest(f"Languages can only be added to a Ready asset; this one is {asset.status}")
            existing = {dubbing.locale for dubbing in asset.dubbings}
            for target in targets:
                if target.locale == asset.params.locale:
                    raise BadRequest(f"target locale {target.locale!r} is the asset's source locale")
                if target.locale in existing:
                    raise BadRequest(f"the asset is already dubbed into {target.locale!r}")
            now = time.monotonic()
            for target in targets:
                self._new_dubbing(asset, target, now)

    def generate(self, version: Version) -> None:
        with self.sandbox.lock:
            self.advance_all()
            if version.status not in w.GENERATABLE_STATUSES:
                raise BadRequest(
                    f"A version can only be generated when ReadyToEdit; this one is {version.status}"
                )
            self._set(version, w.VERSION_GENERATING, time.monotonic())
            version.error = None
            version.fail_generation = self.failing_generations > 0
            if version.fail_generation:
                self.failing_generations -= 1
            elif self.sandbox.take_job_fault(w.VENDOR, version.locale):
                version.fail_generation = True  # the documented version_generate_failed outcome
            self.sandbox.record_created(w.VENDOR, "generation")
            self._emit(self.assets[version.asset_id], w.EVENT_VERSION_GENERATING, version)

    def revise(self, version: Version) -> None:
        with self.sandbox.lock:
            self.advance_all()
            if version.status not in w.REVISABLE_STATUSES:
                raise BadRequest(
                    "A version can only be revised when Completed, ReadyToEdit or Failed; "
                    f"this one is {version.status}"
                )
            previous = version.status
            self._set(version, w.VERSION_READY_TO_EDIT, time.monotonic())
            version.generation_id = None
            version.error = None
            version.srt_error = None
            if previous != w.VERSION_READY_TO_EDIT and w.REVISE_FIRES_VERSION_READY:
                self._emit(self.assets[version.asset_id], w.EVENT_VERSION_READY, version)

    def omit_inferred(self, omit: bool) -> bool:
        """Switch to (or back from) answers without the fields the project only guesses."""
        with self.sandbox.lock:
            self.omit_inferred_fields = omit
            return omit

    def shown(self, body: dict[str, Any]) -> dict[str, Any]:
        """An answer as served: while `omit_inferred_fields` is on, without `INFERRED_ANSWER_FIELDS`, at any
        depth (a strict reading of a document that prints none of them in its answers)."""
        return _without(body, w.INFERRED_ANSWER_FIELDS) if self.omit_inferred_fields else body

    def fail_next_generate(self) -> int:
        with self.sandbox.lock:
            self.failing_generations += 1
            return self.failing_generations

    # -- subtitles --------------------------------------------------------------------------------
    def subtitles(self, version: Version, locality: str) -> str:
        with self.sandbox.lock:
            self.advance_all()
            if version.status == w.VERSION_NOT_READY:
                raise BadRequest("Subtitles are not available while the version is NotReady")
            asset = self.assets[version.asset_id]
            source = srt.source_cues(asset.start_time(), asset.end_time())
            if locality == "source":
                return srt.render(source)
            if version.user_cues is not None:
                return srt.render(version.user_cues)
            return srt.render(srt.machine_translation(source, version.locale))

    # -- callbacks --------------------------------------------------------------------------------
    def _emit(self, asset: Asset, event: str, version: Version | None) -> None:
        """POST a signed status update to the asset's callback_url, if it has one."""
        url = asset.params.callback_url
        if not url:
            return
        payload: dict[str, Any] = {
            "event": event,
            "asset_id": asset.id,
            "version_id": version.id if version else None,
            "locale": version.locale if version else None,
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            w.SIGNATURE_HEADER: signing.sign(body),
            w.SIGNATURE_ALGORITHM_HEADER: w.SIGNATURE_ALGORITHM,
        }
        self.sandbox.fire_callback(w.VENDOR, url, body, headers)

    # -- ticker -----------------------------------------------------------------------------------
    def ensure_ticker(self) -> None:
        """Start (once per event loop) the task that advances state so callbacks need no polling."""
        loop = asyncio.get_running_loop()
        if self._ticker is not None and not self._ticker.done() and self._ticker_loop is loop:
            return
        self._ticker_loop = loop
        self._ticker = loop.create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            step = self.sandbox.settings.step_seconds
            await asyncio.sleep(min(0.5, max(0.01, step / 4)))
            try:
                self.advance_all()
            except Exception:
                log.exception("panjaya sandbox ticker failed to advance state")


def _without(value: Any, keys: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {key: _without(item, keys) for key, item in value.items() if key not in keys}
    if isinstance(value, list):
        return [_without(item, keys) for item in value]
    return value
