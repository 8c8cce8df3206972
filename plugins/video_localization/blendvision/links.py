"""Extra link on BlendVision tasks: the dubbing job.

BlendVision's documents name no console page for a dubbing job, so the link is the job's own API URL
(`GET /bv/cms/v1/dubbing-jobs/{id}` on the connection's host; the emulator's for a sandbox connection).
Opened with the API token and the `x-bv-org-id` header it shows the job: status, languages, outputs and
`error_infos`.
"""

from __future__ import annotations

from typing import Any

from video_localization.core.links import VendorJobLink

#: XCom key `BlendVisionDubbingJobOperator` pushes the job id under, before it waits.
JOB_ID_XCOM_KEY = "job_id"


class BlendVisionDubbingJobLink(VendorJobLink):
    """The BlendVision dubbing job of the task (`job_id`, pushed before waiting, or the operator's field).

    No argument: the link reads the job id from the task instance.
    """

    name = "BlendVision dubbing job"
    id_xcom_key = JOB_ID_XCOM_KEY
    id_field = "job_id"

    def url_for(self, hook: Any, job_id: str) -> str:
        return hook.dubbing_job_url(job_id)
