"""Manifest schema v2, shared by `localize_video` and `talking_head_video` (docs/manifest.schema.json).

One `manifest.json` per run in its run folder: per language the vendor, its job ids, a status with a reason
(rejected by whom and when, failed in the vendor's words, moved by fallback), every file with its path
relative to the run folder, size and SHA-256, and timings. Paths are relative so a run folder can be moved
or copied whole (to a bucket, to a reviewer's disk) and still read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from video_localization.core.storage import StoredFile, as_storage_path, write_bytes

SCHEMA_VERSION = 2
MANIFEST_NAME = "manifest.json"
STATUSES = ("delivered", "failed", "rejected", "moved", "pending")

#: Caption format by file suffix (Rev's names, as the form lists them) for files that did not say.
_VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v")


def schema_path() -> Path:
    """`docs/manifest.schema.json` in the project folder."""
    return Path(__file__).resolve().parents[3] / "docs" / "manifest.schema.json"


def relative_path(uri: str, run_dir: str) -> str:
    """`uri` relative to the run folder (`fr-FR/launch.fr-FR.mp4`); the uri itself when outside it."""
    base = str(as_storage_path(run_dir)).rstrip("/") + "/"
    text = str(uri)
    return text[len(base) :] if text.startswith(base) else text


def file_entry(
    stored: Mapping[str, Any], run_dir: str, kind: str | None = None, fmt: str | None = None
) -> dict:
    """One `files[]` entry from a `StoredFile.to_dict()`."""
    name = str(stored.get("name") or stored["uri"]).lower()
    if kind is None:
        kind = "video" if name.endswith(_VIDEO_SUFFIXES) else "captions"
    if fmt is None:
        fmt = "mp4" if kind == "video" else ("SubRip" if name.endswith(".srt") else name.rsplit(".", 1)[-1])
    return {
        "kind": kind,
        "format": fmt,
        "path": relative_path(stored["uri"], run_dir),
        "bytes": int(stored["size_bytes"]),
        "sha256": stored["sha256"],
    }


def language_entry(
    *,
    locale: str,
    name: str,
    vendor: str,
    status: str,
    reason: str | None = None,
    job_ids: Mapping[str, Any] | None = None,
    attempts: Iterable[Mapping[str, Any]] = (),
    files: Iterable[Mapping[str, Any]] = (),
    timings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not one of {STATUSES}")
    return {
        "locale": locale,
        "name": name,
        "vendor": vendor,
        "status": status,
        "reason": reason,
        "job_ids": {key: value for key, value in (job_ids or {}).items() if isinstance(value, str | int)},
        "attempts": [
            {
                "vendor": attempt["vendor"],
                "job_ids": {
                    k: v for k, v in (attempt.get("job_ids") or {}).items() if isinstance(v, str | int)
                },
                "status": attempt["status"],
                "reason": attempt.get("reason"),
            }
            for attempt in attempts
        ],
        "files": list(files),
        "timings": {
            "submitted_at": (timings or {}).get("submitted_at"),
            "completed_at": (timings or {}).get("completed_at"),
            "delivered_at": (timings or {}).get("delivered_at"),
        },
    }


def document(
    *,
    dag_id: str,
    run_id: str,
    title: str,
    run_folder: str,
    source: Mapping[str, Any] | None,
    started_at: str | None,
    finished_at: str | None,
    languages: list[dict[str, Any]],
    **extra: Any,
) -> dict[str, Any]:
    """The whole manifest (`extra` keys, such as `route` or `warnings`, are kept after the contract's)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "dag_id": dag_id,
        "run_id": run_id,
        "title": title,
        "run_folder": run_folder,
        "source": dict(source) if source is not None else None,
        "started_at": started_at,
        "finished_at": finished_at,
        "languages": languages,
        **extra,
    }


def write(run_dir: str, manifest: Mapping[str, Any], source: str | None = None) -> StoredFile:
    """`<run_dir>/manifest.json`; reports the run's lineage: `source` in, every listed file and the
    manifest out (Airflow's hook lineage; the source only redacted)."""
    from video_localization.core.lineage import record_delivery

    data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    stored = write_bytes(as_storage_path(run_dir) / MANIFEST_NAME, data, "application/json")
    record_delivery(_shown(source), listed_files(run_dir, manifest), manifest=stored.uri)
    return stored


def _shown(source: str | None) -> str | None:
    from video_localization.core import secret_source

    return secret_source.shown(source) if source else None


def listed_files(run_dir: str, manifest: Mapping[str, Any]) -> list[str]:
    """The location of every file a v2 manifest lists (languages' files, then the source's captions)."""
    entries = [entry for language in manifest.get("languages") or [] for entry in language.get("files", [])]
    entries += list((manifest.get("source_captions") or {}).get("files") or [])
    base = as_storage_path(run_dir)
    paths = [str(entry["path"]) for entry in entries if entry.get("path")]
    # A path is relative to the run folder, unless the file lay outside it (then it is the full location).
    return list(dict.fromkeys(p if "://" in p or p.startswith("/") else str(base / p) for p in paths))


def summary(manifest: Mapping[str, Any], manifest_uri: str) -> dict[str, Any]:
    """What a notification carries: ids, counts, the manifest's location and why languages were not
    delivered; no media, no links."""
    languages = manifest["languages"]
    return {
        "dag_id": manifest["dag_id"],
        "run_id": manifest["run_id"],
        "title": manifest["title"],
        "manifest": manifest_uri,
        "vendors": sorted({lang["vendor"] for lang in languages if lang["status"] == "delivered"}),
        "delivered": [lang["locale"] for lang in languages if lang["status"] == "delivered"],
        "not_delivered": {
            lang["locale"]: {"status": lang["status"], "reason": lang["reason"]}
            for lang in languages
            if lang["status"] != "delivered"
        },
        "files": sum(len(lang["files"]) for lang in languages),
    }
