"""BlendVision test helpers and fixtures (test modules import the fixtures they use from here).

- `blendvision_default` points at the sandbox through an `AIRFLOW_CONN_*` environment variable, as a
  deployment may define it, so hooks, triggers and operators read it through Airflow's own lookup.
- `BlendVisionObjects`: uploads sample media and makes dubbing jobs in the sandbox through the real hook,
  reads the sandbox's counters and sets its upload layout (a sandbox control, never counted).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from video_localization.blendvision.hook import BlendVisionHook
from video_localization.blendvision.models import (
    DubbingJob,
    DubbingJobRequest,
    DubbingSourceType,
    DubbingStatus,
    Interval,
    OutputRequest,
)
from video_localization.blendvision.upload import UploadedSource, upload_source
from video_localization.blendvision.validation import validate_upload
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.blendvision.constants import SANDBOX_API_TOKEN, SANDBOX_ORG_ID
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import FAST_RETRY, VendorSandboxCounters, wait_until

#: Poll the sandbox every 20 ms instead of every 10 s, and wait here instead of in the triggerer.
QUICK = {"deferrable": False, "poll_interval": 0.02, "max_poll_interval": 0.05, "wait_timeout": 20}


def connection_json(
    sandbox: RunningSandbox, token: str = SANDBOX_API_TOKEN, org_id: str | None = SANDBOX_ORG_ID
) -> str:
    extra = {"org_id": org_id} if org_id is not None else {}
    return json.dumps(
        {
            "conn_type": "blendvision",
            "host": sandbox.vendor_url("blendvision"),
            "password": token,
            "extra": extra,
        }
    )


@dataclass
class BlendVisionObjects(VendorSandboxCounters):
    """Makes library files and dubbing jobs in the sandbox through the real hook."""

    hook: BlendVisionHook
    sandbox: RunningSandbox
    vendor = "blendvision"

    # -- sandbox state ----------------------------------------------------------------------------
    def created(self, kind: str) -> int:
        return self.counters()["created"].get(f"blendvision:{kind}", 0)

    def upload_settings(self, part_size_bytes: int, multipart_threshold_bytes: int = 0) -> None:
        """Make small files travel in several parts (a sandbox control: not a vendor request)."""
        response = httpx.post(
            f"{self.sandbox.vendor_url('blendvision')}/_sandbox/upload-settings",
            json={"part_size_bytes": part_size_bytes, "multipart_threshold_bytes": multipart_threshold_bytes},
            timeout=5,
        )
        response.raise_for_status()

    # -- objects ----------------------------------------------------------------------------------
    def upload(self, media: str = "sample.mp4", file_type: str = "video") -> UploadedSource:
        return upload_source(
            self.hook, validate_upload(source_path=str(media_dir() / media), file_type=file_type)
        )

    def request(
        self,
        source_id: str,
        lang_code: str = "fr-FR",
        *,
        source_lang_code: str = "en-US",
        job_id: str | None = None,
        interval: Interval | None = None,
        source_type: DubbingSourceType = DubbingSourceType.VIDEO,
    ) -> DubbingJobRequest:
        return DubbingJobRequest(
            id=job_id,
            source_type=source_type,
            source_id=source_id,
            source_lang_code=source_lang_code,
            interval_sec=interval,
            outputs=[OutputRequest(lang_code=lang_code)],
        )

    def job(self, media: str = "sample.mp4", lang_code: str = "fr-FR", **options: Any) -> DubbingJob:
        return self.hook.create_dubbing_job(self.request(self.upload(media).file_id, lang_code, **options))

    def wait_job(self, job_id: str, timeout: float = 10.0) -> DubbingJob:
        return wait_until(
            f"dubbing job {job_id} terminal",
            lambda: self.hook.get_dubbing_job(job_id),
            lambda job: job.status.is_terminal,
            timeout,
        )

    def succeeded_job(self, lang_code: str = "fr-FR") -> DubbingJob:
        job = self.wait_job(self.job(lang_code=lang_code).id)
        assert job.status is DubbingStatus.SUCCEEDED, job.error_infos
        return job


# -- fixtures (import them by these names into a test module) ------------------------------------
@pytest.fixture(name="bv_conn")
def fixture_bv_conn(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> RunningSandbox:
    """`blendvision_default` pointing at the sandbox with its token and organization; answers the sandbox."""
    monkeypatch.setenv("AIRFLOW_CONN_BLENDVISION_DEFAULT", connection_json(sandbox))
    return sandbox


@pytest.fixture(name="bv_hook")
def fixture_bv_hook(bv_conn: RunningSandbox) -> Iterator[BlendVisionHook]:
    """A `BlendVisionHook` on `blendvision_default` (the sandbox), retrying in milliseconds."""
    hook = BlendVisionHook(retry=FAST_RETRY)
    yield hook
    hook.close()


@pytest.fixture(name="bv")
def fixture_bv(bv_hook: BlendVisionHook, bv_conn: RunningSandbox) -> BlendVisionObjects:
    return BlendVisionObjects(bv_hook, bv_conn)
