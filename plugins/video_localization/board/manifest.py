"""One reader for every `manifest.json` a run writes: v1 (today's DAGs) and v2 (docs/manifest.schema.json).

The board shows manifests of both ages side by side, so both are read into one small shape here and
nothing else in the board looks at a manifest's raw keys. File locations become paths relative to the
run folder: the board only ever serves a file by its place inside a run folder, never by a URI a
manifest names (a v1 file outside its run folder is listed without a download).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from video_localization.core.captions.formats import FORMATS, CaptionFormat

#: Manifest statuses as the board names them (v2's words; v1's are mapped onto them).
DELIVERED, FAILED, REJECTED, MOVED, PENDING = "delivered", "failed", "rejected", "moved", "pending"
V1_STATUSES = {"delivered": DELIVERED, "not_delivered": PENDING, "skipped": PENDING}
#: A v1 manifest's per-language job id, named the way the vendor names it.
V1_JOB_ID_NAMES = {
    "panjaya": "version_id",
    "akool": "video_model_id",
    "blendvision": "job_id",
    "cdnvideo": "task_id",
}


class ManifestError(ValueError):
    """A manifest the board cannot read (the raw start of it is in the message)."""


@dataclass
class ManifestFile:
    #: "video" | "captions" (a requested format) | "subtitles" (the dubbing vendor's own, v1) | "transcript"
    kind: str
    format: str  # "mp4", or a caption format's name ("SubRip", "WebVtt", ...)
    path: str | None  # relative to the run folder; None when the file lies outside it
    bytes: int | None = None
    sha256: str | None = None


@dataclass
class ManifestLanguage:
    locale: str
    vendor: str | None
    status: str
    reason: str | None = None
    job_ids: dict[str, str] = field(default_factory=dict)
    files: list[ManifestFile] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RunManifest:
    schema_version: int
    dag_id: str
    run_id: str
    title: str | None
    source: str | None
    vendor: str | None
    caption_formats: list[str]
    languages: list[ManifestLanguage]
    #: Caption files of the source language (v1 lists them with the captions of every language).
    source_language: str | None = None
    source_files: list[ManifestFile] = field(default_factory=list)

    def language(self, locale: str) -> ManifestLanguage | None:
        return next((lang for lang in self.languages if lang.locale == locale), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def caption_format_of(name: str, locale: str | None = None) -> str | None:
    """A caption file's format from its name (`fr-FR.vtt` -> WebVtt, `video.fr_FR.srt` -> FacebookSubRip)."""
    lowered = name.lower()
    if lowered.endswith(".mp4"):
        return None
    if lowered.startswith("video.") and lowered.endswith(".srt"):
        return CaptionFormat.FACEBOOK_SUBRIP.value
    # Longest suffix first: `ebu.stl` before `stl`, `qt.txt` before `txt`.
    by_suffix = sorted(
        ((info.suffix, fmt) for fmt, info in FORMATS.items() if fmt is not CaptionFormat.FACEBOOK_SUBRIP),
        key=lambda pair: -len(pair[0]),
    )
    for suffix, fmt in by_suffix:
        if lowered.endswith("." + suffix):
            return fmt.value
    return None


def relative_to_run(uri: str, run_folder: str) -> str | None:
    """`uri` as a path inside `run_folder` (both as ObjectStoragePath strings), or None when outside it."""
    prefix = run_folder.rstrip("/") + "/"
    if not uri.startswith(prefix):
        return None
    relative = uri[len(prefix) :]
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    return relative


def _v1_file(stored: dict[str, Any], run_folder: str, kind: str | None = None) -> ManifestFile:
    """A v1 `StoredFile` dict (`uri`, `name`, `size_bytes`, `sha256`, `content_type`)."""
    name = str(stored.get("name") or str(stored.get("uri", "")).rsplit("/", 1)[-1])
    fmt = caption_format_of(name)
    if kind is None:  # a language's own files: the video, and the dubbing vendor's subtitles beside it
        kind = "subtitles" if fmt else "video"
    return ManifestFile(
        kind=kind,
        format=fmt or name.rsplit(".", 1)[-1].lower(),
        path=relative_to_run(str(stored.get("uri", "")), run_folder),
        bytes=stored.get("size_bytes"),
        sha256=stored.get("sha256"),
    )


def _v2_file(entry: dict[str, Any]) -> ManifestFile:
    path = str(entry.get("path") or "")
    parts = path.split("/")
    safe = path and not path.startswith("/") and not any(p in ("", ".", "..") for p in parts)
    return ManifestFile(
        kind=str(entry.get("kind") or "video"),
        format=str(entry.get("format") or ""),
        path=path if safe else None,
        bytes=entry.get("bytes"),
        sha256=entry.get("sha256"),
    )


def _read_v1(document: dict[str, Any], run_folder: str) -> RunManifest:
    vendor = document.get("vendor")
    captions = document.get("captions") or {}
    caption_files = captions.get("files") or {}
    source_language = document.get("source_language")
    languages = []
    for entry in document.get("languages") or []:
        locale = entry["locale"]
        job_ids: dict[str, str] = {}
        if document.get("asset_id"):
            job_ids["asset_id"] = str(document["asset_id"])
        job_id = entry.get("job_id") or entry.get("task_id")
        if job_id:
            job_ids[V1_JOB_ID_NAMES.get(str(vendor), "job_id")] = str(job_id)
        files = [_v1_file(stored, run_folder) for stored in entry.get("files") or []]
        files += [_v1_file(stored, run_folder, "captions") for stored in caption_files.get(locale) or []]
        languages.append(
            ManifestLanguage(
                locale=locale,
                vendor=vendor,
                status=V1_STATUSES.get(str(entry.get("status")), PENDING),
                job_ids=job_ids,
                files=files,
            )
        )
    source_files = [_v1_file(f, run_folder, "captions") for f in caption_files.get(source_language) or []]
    transcript = captions.get("source_transcript")
    if transcript:
        source_files.append(_v1_file(transcript, run_folder, "transcript"))
    source = document.get("source")
    return RunManifest(
        schema_version=1,
        dag_id=document.get("dag_id", ""),
        run_id=document.get("run_id", ""),
        title=None,
        source=source,
        vendor=vendor,
        caption_formats=list(captions.get("formats") or []),
        languages=languages,
        source_language=source_language,
        source_files=source_files,
    )


def _read_v2(document: dict[str, Any]) -> RunManifest:
    languages = []
    formats: list[str] = []
    for entry in document.get("languages") or []:
        files = [_v2_file(item) for item in entry.get("files") or []]
        for item in files:
            if item.kind == "captions" and item.format and item.format not in formats:
                formats.append(item.format)
        languages.append(
            ManifestLanguage(
                locale=entry["locale"],
                vendor=entry.get("vendor"),
                status=str(entry.get("status") or PENDING),
                reason=entry.get("reason"),
                job_ids={k: str(v) for k, v in (entry.get("job_ids") or {}).items() if v is not None},
                files=files,
                attempts=list(entry.get("attempts") or []),
            )
        )
    source = document.get("source") or {}
    vendors = {lang.vendor for lang in languages if lang.vendor}
    return RunManifest(
        schema_version=2,
        dag_id=document.get("dag_id", ""),
        run_id=document.get("run_id", ""),
        title=document.get("title"),
        source=source.get("uri"),
        vendor=vendors.pop() if len(vendors) == 1 else None,
        caption_formats=formats,
        languages=languages,
        source_language=source.get("language"),
    )


def read_manifest(raw: bytes | str | dict[str, Any], run_folder: str) -> RunManifest:
    """A manifest of either version; `run_folder` is where it lies (v1 file URIs are made relative to it)."""
    try:
        document = raw if isinstance(raw, dict) else json.loads(raw)
    except ValueError as error:
        raise ManifestError(f"manifest is not JSON ({error}): {str(raw)[:200]!r}") from error
    if not isinstance(document, dict):
        raise ManifestError(f"manifest is not a JSON object: {str(document)[:200]!r}")
    try:
        if document.get("schema_version") == 2:
            return _read_v2(document)
        if document.get("manifest_version") == 1:
            return _read_v1(document, run_folder)
    except (KeyError, TypeError, AttributeError) as error:
        raise ManifestError(
            f"manifest does not follow its schema ({error!r}): {str(document)[:200]}"
        ) from error
    raise ManifestError(
        "manifest has neither schema_version 2 nor manifest_version 1: "
        f"{ {k: document.get(k) for k in ('schema_version', 'manifest_version')} }"
    )
