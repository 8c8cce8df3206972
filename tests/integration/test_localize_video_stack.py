"""The real thing on SQLite: sandbox + api-server, scheduler, dag-processor, triggerer as processes.

Triggers `localize_video` over the REST API as the README shows, waits for success, reads the manifest
and the XCom ids back over REST, and checks that a conf breaking the form's schema gets a 400 naming
the field. About a minute.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from video_localization_dev.demo import verify_manifest
from video_localization_dev.media import media_dir
from video_localization_dev.rest import AirflowRest, AirflowRestError
from video_localization_dev.stack import ADMIN_USER, Stack

pytestmark = pytest.mark.integration

DAG_ID = "localize_video"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("airflow-home")
    running = Stack(home=home, output_dir=tmp_path_factory.mktemp("output"), sandbox_step_seconds=0.5)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def rest(stack: Stack):
    client = AirflowRest(stack.api_url, ADMIN_USER, stack.password)
    client.wait_for_dag(DAG_ID)
    client.unpause(DAG_ID)
    yield client
    client.close()


def test_run_triggered_over_rest_delivers_verified_files(stack: Stack, rest: AirflowRest, tmp_path: Path):
    languages = ["fr-FR", "ko-KR"]
    run = rest.trigger(
        DAG_ID,
        {
            "source": str(media_dir() / "sample.mp4"),
            "source_language": "en-US",
            "target_languages": languages,
            "output_location": str(tmp_path),
        },
    )
    final = rest.wait_for_run(DAG_ID, run["dag_run_id"], timeout=600)
    assert final["state"] == "success", rest.task_instances(DAG_ID, run["dag_run_id"])

    manifest_info = rest.xcom(DAG_ID, run["dag_run_id"], "manifest")
    manifest_path = Path(manifest_info["manifest"]["uri"].removeprefix("file://"))
    manifest = json.loads(manifest_path.read_text())
    assert manifest_path.parent == tmp_path / manifest["run_folder"]
    assert verify_manifest(manifest, languages, run_dir=manifest_path.parent) == []
    assert hashlib.sha256(manifest_path.read_bytes()).hexdigest() == manifest_info["manifest"]["sha256"]

    # One Panjaya asset for the group; each language's version in its job ids.
    assert len({lang["job_ids"]["asset_id"] for lang in manifest["languages"]}) == 1
    assert {lang["vendor"] for lang in manifest["languages"]} == {"panjaya"}
    # XCom carries ids and URIs only: no signed links, no media.
    assert "signature=" not in json.dumps(manifest_info)

    mapped = [ti for ti in rest.task_instances(DAG_ID, run["dag_run_id"]) if ti["map_index"] >= 0]
    labels = {ti["rendered_map_index"] for ti in mapped if ti["task_id"] == "language.dub"}
    assert labels == {f"{locale} panjaya" for locale in languages}

    created = stack_counters(stack)["created"]
    assert created == {"panjaya:asset": 1, "panjaya:generation": 2}


def test_conf_breaking_the_form_schema_is_refused_with_400(rest: AirflowRest):
    with pytest.raises(AirflowRestError) as refused:
        rest.trigger(DAG_ID, {"target_languages": ["tlh-XX"]})
    assert refused.value.status_code == 400
    assert "tlh-XX" in refused.value.body


def stack_counters(stack: Stack) -> dict:
    import httpx

    return httpx.get(f"{stack.sandbox_url}/_sandbox/counters", timeout=5).json()
