"""Deferrable waits on Panjaya: an asset until its versions are prepared, a version until it is generated.

Status calls go through the triggerer's shared status loop (`core.wait.status`), one per connection:
identical lookups in flight are coalesced. Panjaya's asset list carries no version statuses, and there is
no version list, so there is nothing to batch with. A verified callback (`callbacks/app.py`) names the
asset and, for version events, the version: it wakes the wait, which then asks Panjaya once.
"""

from __future__ import annotations

from typing import Any, Literal

from video_localization.core.triggers import PollOutcome, VendorPollingTrigger
from video_localization.core.wait.status import StatusKind
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


async def _get_asset(hook: PanjayaHook, asset_id: str) -> Asset:
    return await hook.aget_asset(asset_id)


async def _get_version(hook: PanjayaHook, version_id: str) -> Version:
    return await hook.aget_version(version_id)


ASSET: StatusKind[PanjayaHook, Asset] = StatusKind(
    name="panjaya.asset",
    make_hook=PanjayaHook,
    fetch_one=_get_asset,
    word=lambda asset: f"{asset.status.value}:{sorted((v.id, v.status.value) for v in asset.versions)}",
)
VERSION: StatusKind[PanjayaHook, Version] = StatusKind(
    name="panjaya.version",
    make_hook=PanjayaHook,
    fetch_one=_get_version,
    word=lambda version: version.status.value,
)


class PanjayaAssetTrigger(VendorPollingTrigger):
    """Waits until an asset is processed and every language's first version is prepared (or failed)."""

    vendor = "panjaya"

    def __init__(self, *, asset_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.asset_id = asset_id

    def job_kwargs(self) -> dict[str, Any]:
        return {"asset_id": self.asset_id}

    def wake_ids(self) -> list[str]:
        return [self.asset_id]

    def describe(self) -> str:
        return f"Panjaya asset {self.asset_id}"

    async def poll(self) -> PollOutcome:
        return asset_outcome(await self.look(ASSET, self.asset_id))


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

    def wake_ids(self) -> list[str]:
        return [self.version_id]

    def describe(self) -> str:
        return f"Panjaya version {self.version_id}"

    async def poll(self) -> PollOutcome:
        return version_outcome(await self.look(VERSION, self.version_id), self.wait_for)
