"""Extra links through Airflow's own machinery: `dag.test()` runs each task like a worker, whose task runner
calls every link's `get_link` when the task instance ends and stores the URL in XCom (`_link_<class>`),
which is all the UI reads. A talking-head run on the sandbox: each generate and download task links its
CDNvideo task on the sandbox's host.
"""

from __future__ import annotations

import json
import os

os.environ["AIRFLOW__VIDEO_LOCALIZATION__POLL_INTERVAL"] = "0.1"
os.environ["AIRFLOW__VIDEO_LOCALIZATION__MAX_POLL_INTERVAL"] = "0.3"

from airflow.sdk import DagRunState

from video_localization_dev.sandbox.cdnvideo import constants as sandbox_constants


def _value(raw: object) -> object:
    """An XCom row's value (stored as JSON text or as a decoded JSON value, depending on the backend)."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def test_generate_and_download_tasks_link_their_cdnvideo_task(talking_head_dag, cdnvideo_env, tmp_path):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    run = talking_head_dag.test(
        run_conf={"output_location": str(tmp_path / "out"), "scripts": {"en-US": "Hello and welcome."}}
    )
    assert run.state == DagRunState.SUCCESS

    account = sandbox_constants.SANDBOX_ACCOUNT
    status = f"{cdnvideo_env.vendor_url('cdnvideo')}/app/th-api/v1/accounts/{account}/status/"
    with create_session() as session:
        rows = {
            (row.task_id, row.key): _value(row.value)
            for row in session.query(XComModel).filter(
                XComModel.run_id == run.run_id,
                XComModel.key.in_(["_link_CDNVideoTaskLink", "_link_ManifestLink", "job_id"]),
            )
        }
    job_id = rows[("per_locale.generate", "job_id")]
    for task_id in ("per_locale.generate", "per_locale.download"):
        assert rows[(task_id, "_link_CDNVideoTaskLink")] == status + job_id, task_id
    manifest_link = rows[("manifest", "_link_ManifestLink")]
    assert str(manifest_link).startswith("file://") and str(manifest_link).endswith("/manifest.json")
    assert sandbox_constants.SANDBOX_PASSWORD not in json.dumps(list(rows.values()))
