"""BlendVision's reading of a terminal wait event: a failed job carries every `error_infos` entry.

Shared by `BlendVisionDubbingJobOperator` and `BlendVisionDubbingJobSensor`.
"""

from __future__ import annotations

from typing import Any

from video_localization.blendvision.models import VENDOR
from video_localization.core.errors import VendorJobFailed
from video_localization.core.events import raise_for_event


def raise_for_job_event(event: dict[str, Any] | None) -> dict[str, Any]:
    """Like `core.events.raise_for_event`, but a failed job carries every `error_infos` entry."""
    if event and event.get("status") == "failed":
        raise VendorJobFailed(
            event.get("vendor", VENDOR),
            event.get("message") or "dubbing job failed",
            code=event.get("error_code"),
            details=event.get("error_infos") or [],
        )
    return raise_for_event(event)
