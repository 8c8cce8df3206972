"""Deferrable waits on Panjaya: an asset until its versions are prepared, a version until it is generated."""

from __future__ import annotations

from typing import Any, Literal

from video_localization.core.triggers import PollOutcome, VendorPollingTrigger
from video_localization.panjaya.hook import PanjayaHook
from video_localization.panjaya.models import Asset, AssetStatus, Version, VersionStatus

VersionWait = Literal["generated", "editable"]


def asset_outcome(asset: Asset) -> PollOutcome:
    """Done when the asset failed, or when it is Ready and every language's version left NotReady."""
    if asset.status is AssetStatus.FAILED:
        error = asset.error
        message = (
            f"asset {asset.id} failed: {error.code}: {error.message}" if error else f"asset {asset.id} failed"
        )
        return PollOutcome(
            terminal=True,
            success=False,
            status=asset.status.value,
            message=message,
            payload={"error_code": error.code if error else None},
        )
    if asset.status is AssetStatus.READY and asset.all_versions_prepared:
        versions = asset.versions_by_locale()
        return PollOutcome(
            terminal=True,
            success=True,
            status=asset.status.value,
            payload={
                "versions": {locale: version.id for locale, version in versions.items()},
                "version_statuses": {locale: version.status.value for locale, version in versions.items()},
            },
        )
    return PollOutcome(terminal=False, status=asset.status.value)


def version_outcome(version: Version, wait_for: VersionWait) -> PollOutcome:
    status = version.status
    error = f": {version.error.code}: {version.error.message}" if version.error else ""
    if status is VersionStatus.FAILED:
        return PollOutcome(
            terminal=True,
            success=False,
            status=status.value,
            message=f"version {version.id} ({version.locale}) failed{error}",
        )
    done = status is VersionStatus.COMPLETED if wait_for == "generated" else status.is_editable
    if done:
        return PollOutcome(
            terminal=True, success=True, status=status.value, payload={"locale": version.locale}
        )
    return PollOutcome(terminal=False, status=status.value, progress=version.progress)


class PanjayaAssetTrigger(VendorPollingTrigger):
    """Waits until an asset is processed and every language's first version is prepared (or failed)."""

    vendor = "panjaya"

    def __init__(self, *, asset_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.asset_id = asset_id

    def job_kwargs(self) -> dict[str, Any]:
        return {"asset_id": self.asset_id}

    async def poll(self) -> PollOutcome:
        asset = await PanjayaHook(self.conn_id).aget_asset(self.asset_id)
        return asset_outcome(asset)


class PanjayaVersionTrigger(VendorPollingTrigger):
    """Waits until a version is generated (Completed) or editable again (ReadyToEdit); Failed ends it too.

    Panjaya has no cancel endpoint, so `on_kill` cannot stop a generation; it is left to finish.
    """

    vendor = "panjaya"

    def __init__(self, *, version_id: str, wait_for: VersionWait = "generated", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.version_id = version_id
        self.wait_for = wait_for

    def job_kwargs(self) -> dict[str, Any]:
        return {"version_id": self.version_id, "wait_for": self.wait_for}

    async def poll(self) -> PollOutcome:
        version = await PanjayaHook(self.conn_id).aget_version(self.version_id)
        return version_outcome(version, self.wait_for)
