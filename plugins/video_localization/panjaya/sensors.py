"""Panjaya sensors: wait for an asset to be processed, or a version to be generated, poke or deferrable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseSensorOperator, conf

from video_localization.core.operators import VendorJobOperator
from video_localization.core.triggers import PollOutcome
from video_localization.panjaya.hook import PanjayaHook
from video_localization.panjaya.triggers import (
    PanjayaAssetTrigger,
    PanjayaVersionTrigger,
    VersionWait,
    asset_outcome,
    version_outcome,
)


class _PanjayaSensor(BaseSensorOperator):
    """Pokes with the same outcome rules the triggers use; a vendor-side failure fails the sensor."""

    def __init__(
        self,
        *,
        panjaya_conn_id: str = PanjayaHook.default_conn_name,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        max_poll_interval: float = 120.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.panjaya_conn_id = panjaya_conn_id
        self.deferrable = deferrable
        self.max_poll_interval = max(max_poll_interval, float(self.poke_interval))

    def outcome(self) -> PollOutcome:
        raise NotImplementedError

    def trigger(self, deadline: float) -> Any:
        raise NotImplementedError

    def poke(self, context: Any) -> bool | Any:
        outcome = self.outcome()
        if outcome.terminal:
            self._result = VendorJobOperator.raise_for_event(
                {
                    "status": "success" if outcome.success else "failed",
                    "message": outcome.message,
                    "vendor": "panjaya",
                    **outcome.payload,
                }
            )
        return outcome.terminal

    def execute(self, context: Any) -> Any:
        if not self.deferrable:
            super().execute(context)
            return getattr(self, "_result", None)
        if self.poke(context):
            return self._result
        import time

        self.defer(
            trigger=self.trigger(time.time() + float(self.timeout)),
            method_name="execute_complete",
            timeout=timedelta(seconds=float(self.timeout)),
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        return VendorJobOperator.raise_for_event(event)


class PanjayaAssetSensor(_PanjayaSensor):
    """Waits until an asset is processed and every language's first version is prepared."""

    template_fields: Sequence[str] = ("asset_id",)

    def __init__(self, *, asset_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.asset_id = asset_id

    def outcome(self) -> PollOutcome:
        return asset_outcome(PanjayaHook(self.panjaya_conn_id).get_asset(self.asset_id))

    def trigger(self, deadline: float) -> PanjayaAssetTrigger:
        return PanjayaAssetTrigger(
            asset_id=self.asset_id,
            conn_id=self.panjaya_conn_id,
            deadline=deadline,
            poll_interval=float(self.poke_interval),
            max_poll_interval=self.max_poll_interval,
        )


class PanjayaVersionSensor(_PanjayaSensor):
    """Waits until a version is generated (default) or editable (`wait_for="editable"`)."""

    template_fields: Sequence[str] = ("version_id",)

    def __init__(self, *, version_id: str, wait_for: VersionWait = "generated", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.version_id = version_id
        self.wait_for = wait_for

    def outcome(self) -> PollOutcome:
        return version_outcome(PanjayaHook(self.panjaya_conn_id).get_version(self.version_id), self.wait_for)

    def trigger(self, deadline: float) -> PanjayaVersionTrigger:
        return PanjayaVersionTrigger(
            version_id=self.version_id,
            wait_for=self.wait_for,
            conn_id=self.panjaya_conn_id,
            deadline=deadline,
            poll_interval=float(self.poke_interval),
            max_poll_interval=self.max_poll_interval,
        )
