"""Extra link on Akool tasks: the translation job of one language.

Akool's documents name no web page for an API translation job, so the link is the job's own API URL
(`GET /content/video/infobymodelid?video_model_id=<_id>` on the connection's host; the emulator's for a
sandbox connection). Opened with Akool's token (or `x-api-key`) it shows the job's status, progress and,
on failure, `error_code` / `error_reason`. The result video's URL is never shown: it is a download link.

A translate task makes one job per language, and a link is one URL: on a task with one job (a download,
a translation into one language, a sensor watching one job) the link opens it; with several it stays
empty (each language's download task links its own job).
"""

from __future__ import annotations

from typing import Any

from video_localization.core.links import VendorJobLink, pushed_value

#: XCom key `AkoolTranslateVideoOperator` pushes `{language tag: _id}` under, before it waits.
VIDEO_MODEL_IDS_XCOM_KEY = "video_model_ids"


class AkoolJobLink(VendorJobLink):
    """The Akool job (`video_model_id`) of a task that handles one job.

    No argument: the link reads the id from the operator's rendered `video_model_id`, else from the
    `video_model_ids` the task pushed (or was given) when they hold exactly one job.
    """

    name = "Akool job"
    id_field = "video_model_id"

    def job_id(self, operator: Any, ti_key: Any) -> str | None:
        single = super().job_id(operator, ti_key)
        if single is not None:
            return single
        jobs = pushed_value(ti_key, VIDEO_MODEL_IDS_XCOM_KEY) or getattr(operator, "video_model_ids", None)
        if isinstance(jobs, dict) and len(jobs) == 1:
            (value,) = jobs.values()
            return value.strip() if isinstance(value, str) and value.strip() else None
        return None

    def url_for(self, hook: Any, job_id: str) -> str:
        return hook.video_info_url(job_id)
