"""Extra link on CDNvideo tasks: the talking-head task.

CDNvideo's document names no web page for a task, so the link is the task's own API URL
(`GET /app/th-api/v1/accounts/<account>/status/<id>` on the connection's host; the emulator's for a sandbox
connection). Opened with a `CDN-AUTH-TOKEN` it shows the task's status. The video link itself is never
shown: it lasts 6 hours and works only from the IP address that asked for it.
"""

from __future__ import annotations

from typing import Any

from video_localization.core.links import VendorJobLink

#: XCom key `CDNVideoGenerateOperator` pushes the task id under, before it waits.
JOB_ID_XCOM_KEY = "job_id"


class CDNVideoTaskLink(VendorJobLink):
    """The CDNvideo task of the task instance (`job_id`, pushed before waiting, or the operator's field).

    No argument: the link reads the task id from the task instance.
    """

    name = "CDNvideo task"
    id_xcom_key = JOB_ID_XCOM_KEY
    id_field = "job_id"

    def url_for(self, hook: Any, job_id: str) -> str:
        return hook.status_url(job_id)
