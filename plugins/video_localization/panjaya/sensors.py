"""Panjaya sensors: wait for an asset to be processed, or a version to be generated, poke or deferrable."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from video_localization.core.sensors import VendorSensor
from video_localization.core.triggers import PollOutcome
from video_localization.panjaya.hook import PanjayaHook
from video_localization.panjaya.models import VENDOR
from video_localization.panjaya.triggers import (
    PanjayaAssetTrigger,
    PanjayaVersionTrigger,
    VersionWait,
    asset_outcome,
    version_outcome,
)


class _PanjayaSensor(VendorSensor):
    vendor = VENDOR

    def __init__(self, *, panjaya_conn_id: str = PanjayaHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.panjaya_conn_id = panjaya_conn_id

    @cached_property
    def hook(self) -> PanjayaHook:
        return PanjayaHook(self.panjaya_conn_id)


class PanjayaAssetSensor(_PanjayaSensor):
    """Waits until an asset is processed and every language's first version is prepared.

    :param asset_id: the Panjaya asset.
    :param panjaya_conn_id: the Panjaya connection (default `panjaya_default`).

    It also takes the arguments of `VendorSensor` (`deferrable`, `max_poll_interval`) and of Airflow's
    `BaseSensorOperator` (`poke_interval`, `timeout`, `mode`).
    """

    template_fields: Sequence[str] = ("asset_id",)

    def __init__(self, *, asset_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.asset_id = asset_id

    def job_ids(self) -> dict[str, Any]:
        return {"asset_id": self.asset_id}

    def outcome(self) -> PollOutcome:
        return asset_outcome(self.hook.get_asset(self.asset_id))

    def build_trigger(self, **schedule: Any) -> PanjayaAssetTrigger:
        return PanjayaAssetTrigger(asset_id=self.asset_id, conn_id=self.panjaya_conn_id, **schedule)


class PanjayaVersionSensor(_PanjayaSensor):
    """Waits until a version is generated (default) or editable (`wait_for="editable"`).

    :param version_id: the Panjaya version.
    :param wait_for: `generated` (Completed) or `editable` (ReadyToEdit).
    :param panjaya_conn_id: the Panjaya connection (default `panjaya_default`).

    It also takes the arguments of `VendorSensor` (`deferrable`, `max_poll_interval`) and of Airflow's
    `BaseSensorOperator` (`poke_interval`, `timeout`, `mode`).
    """

    template_fields: Sequence[str] = ("version_id",)

    def __init__(self, *, version_id: str, wait_for: VersionWait = "generated", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.version_id = version_id
        self.wait_for = wait_for

    def job_ids(self) -> dict[str, Any]:
        return {"version_id": self.version_id}

    def outcome(self) -> PollOutcome:
        return version_outcome(self.hook.get_version(self.version_id), self.wait_for)

    def build_trigger(self, **schedule: Any) -> PanjayaVersionTrigger:
        return PanjayaVersionTrigger(
            version_id=self.version_id, wait_for=self.wait_for, conn_id=self.panjaya_conn_id, **schedule
        )
