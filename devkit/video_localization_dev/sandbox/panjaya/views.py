"""The JSON shapes Panjaya answers with: Asset, AssetSummary, Version (built from the store's objects)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from video_localization_dev.sandbox.panjaya import wire as w
from video_localization_dev.sandbox.panjaya.store import Asset, PanjayaStore, Version


def iso(timestamp: float) -> str:
    """ISO 8601 in UTC with a `Z`, millisecond precision."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def asset_summary(asset: Asset) -> dict[str, Any]:
    return {
        "id": asset.id,
        "name": asset.name,
        "status": asset.status,
        "locale": asset.params.locale,
        "created_at": iso(asset.created_at),
        "dubbings": [{"id": dubbing.id, "locale": dubbing.locale} for dubbing in asset.dubbings],
    }


def asset_detail(asset: Asset) -> dict[str, Any]:
    params = asset.params
    return {
        "id": asset.id,
        "name": asset.name,
        "status": asset.status,
        "locale": params.locale,
        "speakers_count": params.speakers_count,
        "start_time": params.start_time if params.start_time is not None else 0.0,
        "end_time": params.end_time,
        "lips_model": params.lips_model,
        "voice_anonymization": params.voice_anonymization,
        "created_at": iso(asset.created_at),
        "error": dict(asset.error) if asset.error else None,
        "dubbings": [
            {
                "id": dubbing.id,
                "locale": dubbing.locale,
                "versions": [
                    {"id": v.id, "status": v.status, "created_at": iso(v.created_at)}
                    for v in dubbing.versions
                ],
            }
            for dubbing in asset.dubbings
        ],
    }


def studio_path(version_id: str) -> str:
    return w.STUDIO_PATH.format(version_id=version_id)


def result_path(version: Version) -> str:
    assert version.generation_id is not None
    return w.RESULT_PATH.format(version_id=version.id, generation_id=version.generation_id)


def version_detail(store: PanjayaStore, version: Version) -> dict[str, Any]:
    sandbox = store.sandbox
    result_url = None
    if version.status == w.VERSION_COMPLETED and version.generation_id:
        result_url = sandbox.sign_path(result_path(version))
    return {
        "id": version.id,
        "asset_id": version.asset_id,
        "dubbing_id": version.dubbing_id,
        "locale": version.locale,
        "status": version.status,
        "progress": store.progress(version),
        "studio_url": sandbox.settings.public_url.rstrip("/") + studio_path(version.id),
        "result_url": result_url,
        "error": dict(version.error) if version.error else None,
        "created_at": iso(version.created_at),
        "updated_at": iso(version.updated_at),
    }
