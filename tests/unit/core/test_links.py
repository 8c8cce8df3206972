"""Extra links: each vendor job's URL for a sandbox connection and a production one, the run's manifest,
and the registration of every link (provider info, plugin, operators).

`get_link` is called the way Airflow's task runner calls it when a task instance ends: with the rendered
operator and the task instance key; XCom is the test's own dictionary.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from video_localization import EXTRA_LINKS, get_provider_info
from video_localization.akool.links import AkoolJobLink
from video_localization.akool.operators import AkoolDownloadTranslationOperator, AkoolTranslateVideoOperator
from video_localization.akool.sensors import AkoolTranslationSensor
from video_localization.blendvision.links import BlendVisionDubbingJobLink
from video_localization.blendvision.operators import (
    BlendVisionDownloadOutputOperator,
    BlendVisionDubbingJobOperator,
)
from video_localization.blendvision.sensors import BlendVisionDubbingJobSensor
from video_localization.cdnvideo.links import CDNVideoTaskLink
from video_localization.cdnvideo.operators import CDNVideoDownloadOperator, CDNVideoGenerateOperator
from video_localization.cdnvideo.sensors import CDNVideoTaskSensor
from video_localization.core import links as core_links
from video_localization.core.links import ManifestLink, attach_manifest_link, storage_url
from video_localization.panjaya.links import STUDIO_URL_XCOM_KEY, PanjayaStudioLink
from video_localization.panjaya.operators import PanjayaGenerateVersionOperator
from video_localization.plugin import VideoLocalizationPlugin
from video_localization.rev.links import RevOrderLink
from video_localization.rev.operators import RevCaptionOrderOperator, RevDownloadCaptionsOperator
from video_localization.rev.sensors import RevOrderSensor

SANDBOX = "http://127.0.0.1:8900"
SECRET = "s3cr3t-never-in-a-link"


class TiKey:
    """What Airflow hands `get_link`: the task instance's key."""

    dag_id, run_id, task_id, map_index = "localize_video", "manual__1", "task", -1


@pytest.fixture
def xcom(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The task instance's XComs, by key (what `BaseXCom.get_value` answers)."""
    pushed: dict[str, Any] = {}

    def get_value(*, ti_key: Any, key: str) -> Any:
        assert ti_key is KEY
        return pushed.get(key)

    monkeypatch.setattr(core_links.BaseXCom, "get_value", staticmethod(get_value))
    monkeypatch.setattr("video_localization.panjaya.links.BaseXCom.get_value", staticmethod(get_value))
    return pushed


KEY = TiKey()


def define(monkeypatch: pytest.MonkeyPatch, conn_id: str, conn_type: str, host: str | None, **extra: Any):
    connection: dict[str, Any] = {"conn_type": conn_type, "login": "user", "password": SECRET, "extra": extra}
    if host is not None:
        connection["host"] = host
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))


# -- vendor jobs: (operator built with a connection id, link, expected URL per base) --------------------
CASES = {
    "rev order": (
        lambda conn: RevCaptionOrderOperator(
            task_id="t", locale="en-US", formats=["srt"], source="x", rev_conn_id=conn
        ),
        RevOrderLink,
        "rev",
        {"order_number": "TC0123456789"},
        "https://api.rev.com/api/v1",
        "/orders/TC0123456789",
    ),
    "blendvision job": (
        lambda conn: BlendVisionDubbingJobOperator(
            task_id="t",
            source_file_id="f",
            source_language="en-US",
            target_language="fr-FR",
            blendvision_conn_id=conn,
        ),
        BlendVisionDubbingJobLink,
        "blendvision",
        {"job_id": "vloc-job-1"},
        "https://api.one.blendvision.com",
        "/bv/cms/v1/dubbing-jobs/vloc-job-1",
    ),
    "cdnvideo task": (
        lambda conn: CDNVideoGenerateOperator(
            task_id="t", script="Hi", video_name="v", actor="anna", cdnvideo_conn_id=conn
        ),
        CDNVideoTaskLink,
        "cdnvideo",
        {"job_id": "087c70cc-2d1a"},
        "https://api.cdnvideo.ru",
        "/app/th-api/v1/accounts/testaccount/status/087c70cc-2d1a",
    ),
    "akool job": (
        lambda conn: AkoolTranslateVideoOperator(
            task_id="t",
            source_url="https://media.example/v.mp4",
            target_locales=["fr-FR"],
            akool_conn_id=conn,
        ),
        AkoolJobLink,
        "akool",
        {"video_model_ids": {"fr-FR": "65f8a1"}},
        "https://openapi.akool.com/api/open/v3",
        "/content/video/infobymodelid?video_model_id=65f8a1",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("where", ["sandbox", "production"])
def test_a_vendor_job_link_is_built_on_the_connections_host(
    case: str, where: str, xcom: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    make, link_class, vendor, pushed, production, path = CASES[case]
    host = f"{SANDBOX}/{vendor}" if where == "sandbox" else None  # no host: the vendor's real API
    define(monkeypatch, f"links_{vendor}_{where}", vendor, host, account="testaccount")
    operator = make(f"links_{vendor}_{where}")
    assert any(isinstance(link, link_class) for link in operator.operator_extra_links)
    xcom.update(pushed)

    url = link_class().get_link(operator, ti_key=KEY)

    assert url == (f"{SANDBOX}/{vendor}" if where == "sandbox" else production) + path
    assert SECRET not in url


def test_a_link_without_a_job_id_is_empty(xcom: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A task that failed before it had a job (bad input) shows a disabled link, not a wrong one."""
    define(monkeypatch, "links_rev_empty", "rev", f"{SANDBOX}/rev")
    operator = RevCaptionOrderOperator(
        task_id="t", locale="en-US", formats=["srt"], source="x", rev_conn_id="links_rev_empty"
    )
    assert RevOrderLink().get_link(operator, ti_key=KEY) == ""


def test_download_and_sensor_links_read_the_rendered_id(
    xcom: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tasks that push no id (downloads, sensors) link the job named by their own (rendered) field."""
    define(monkeypatch, "links_all", "rev", f"{SANDBOX}/rev")
    define(monkeypatch, "links_bv", "blendvision", f"{SANDBOX}/blendvision")
    define(monkeypatch, "links_cdn", "cdnvideo", f"{SANDBOX}/cdnvideo", account="acme")
    define(monkeypatch, "links_akool", "akool", f"{SANDBOX}/akool")
    cases = [
        (
            RevDownloadCaptionsOperator(
                task_id="d",
                order_number="TC1",
                output_dir="/o",
                locale="fr-FR",
                formats=["srt"],
                rev_conn_id="links_all",
            ),
            RevOrderLink(),
            f"{SANDBOX}/rev/orders/TC1",
        ),
        (
            RevOrderSensor(task_id="s", order_number="TC2", rev_conn_id="links_all"),
            RevOrderLink(),
            f"{SANDBOX}/rev/orders/TC2",
        ),
        (
            BlendVisionDownloadOutputOperator(
                task_id="d", job_id="j1", output_dir="/o", blendvision_conn_id="links_bv"
            ),
            BlendVisionDubbingJobLink(),
            f"{SANDBOX}/blendvision/bv/cms/v1/dubbing-jobs/j1",
        ),
        (
            BlendVisionDubbingJobSensor(task_id="s", job_id="j2", blendvision_conn_id="links_bv"),
            BlendVisionDubbingJobLink(),
            f"{SANDBOX}/blendvision/bv/cms/v1/dubbing-jobs/j2",
        ),
        (
            CDNVideoDownloadOperator(task_id="d", job_id="t1", output_dir="/o", cdnvideo_conn_id="links_cdn"),
            CDNVideoTaskLink(),
            f"{SANDBOX}/cdnvideo/app/th-api/v1/accounts/acme/status/t1",
        ),
        (
            CDNVideoTaskSensor(task_id="s", job_id="t2", cdnvideo_conn_id="links_cdn"),
            CDNVideoTaskLink(),
            f"{SANDBOX}/cdnvideo/app/th-api/v1/accounts/acme/status/t2",
        ),
        (
            AkoolDownloadTranslationOperator(
                task_id="d", video_model_id="a1", output_dir="/o", akool_conn_id="links_akool"
            ),
            AkoolJobLink(),
            f"{SANDBOX}/akool/content/video/infobymodelid?video_model_id=a1",
        ),
        (
            AkoolTranslationSensor(task_id="s", video_model_ids={"de-DE": "a2"}, akool_conn_id="links_akool"),
            AkoolJobLink(),
            f"{SANDBOX}/akool/content/video/infobymodelid?video_model_id=a2",
        ),
    ]
    for operator, link, expected in cases:
        assert type(link) in {type(each) for each in operator.operator_extra_links}, operator
        assert link.get_link(operator, ti_key=KEY) == expected


def test_an_akool_task_with_several_jobs_links_none(
    xcom: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link is one URL: a translation into two languages leaves it to each language's download."""
    define(monkeypatch, "links_akool_many", "akool", None)
    operator = AkoolTranslationSensor(
        task_id="s", video_model_ids={"de-DE": "a2", "fr-FR": "a3"}, akool_conn_id="links_akool_many"
    )
    assert AkoolJobLink().get_link(operator, ti_key=KEY) == ""


def test_panjaya_studio_link_is_the_versions_unsigned_studio_url(xcom: dict[str, Any]) -> None:
    operator = PanjayaGenerateVersionOperator(task_id="g", version_id="v1")
    assert any(isinstance(link, PanjayaStudioLink) for link in operator.operator_extra_links)
    xcom[STUDIO_URL_XCOM_KEY] = f"{SANDBOX}/panjaya/studio/versions/v1"
    assert PanjayaStudioLink().get_link(operator, ti_key=KEY) == f"{SANDBOX}/panjaya/studio/versions/v1"


# -- the run's manifest ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("file:///srv/out/manual__1/manifest.json", "file:///srv/out/manual__1/manifest.json"),
        ("/srv/out/run 1/manifest.json", "file:///srv/out/run%201/manifest.json"),
        (
            "s3://media/localized/manual__1/manifest.json",
            "https://s3.console.aws.amazon.com/s3/object/media?prefix=localized/manual__1/manifest.json",
        ),
        (
            "gs://media/localized/manifest.json",
            "https://console.cloud.google.com/storage/browser/_details/media/localized/manifest.json",
        ),
    ],
)
def test_manifest_link_opens_where_the_manifest_task_wrote_it(
    uri: str, expected: str, xcom: dict[str, Any]
) -> None:
    xcom["return_value"] = {"manifest": {"uri": uri, "size_bytes": 10}, "summary": {}}
    assert ManifestLink().get_link(object(), ti_key=KEY) == expected
    assert storage_url(uri) == expected


def test_manifest_link_of_a_talking_head_manifest_and_of_no_manifest(xcom: dict[str, Any]) -> None:
    xcom["return_value"] = {"manifest": "file:///srv/out/m.json"}
    assert ManifestLink().get_link(object(), ti_key=KEY) == "file:///srv/out/m.json"
    xcom["return_value"] = None
    assert ManifestLink().get_link(object(), ti_key=KEY) == ""


def test_attach_manifest_link_puts_the_link_on_a_task_decorated_manifest() -> None:
    from airflow.sdk import dag, task

    @dag(dag_id="links_manifest", schedule=None)
    def pipeline() -> None:
        @task
        def manifest() -> dict[str, Any]:
            return {"manifest": {"uri": "file:///m.json"}}

        attach_manifest_link(manifest())

    built = pipeline()
    names = [link.name for link in built.get_task("manifest").operator_extra_links]
    assert names == ["Run manifest"]


# -- registration ---------------------------------------------------------------------------------------
def test_every_link_is_declared_in_the_provider_info_and_registered_by_the_plugin() -> None:
    declared = get_provider_info()["extra-links"]
    assert declared == EXTRA_LINKS
    registered = {
        f"{type(link).__module__}.{type(link).__name__}"
        for link in VideoLocalizationPlugin.operator_extra_links
    }
    assert registered == set(declared)
    attached = {
        f"{type(link).__module__}.{type(link).__name__}"
        for operator in (
            RevCaptionOrderOperator,
            BlendVisionDubbingJobOperator,
            CDNVideoGenerateOperator,
            AkoolDownloadTranslationOperator,
            PanjayaGenerateVersionOperator,
        )
        for link in operator.operator_extra_links
    }
    assert attached | {"video_localization.core.links.ManifestLink"} == set(declared)


def test_a_link_whose_connection_is_gone_is_empty_not_an_error(
    xcom: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_LINKS_GONE", raising=False)
    operator = RevOrderSensor(task_id="s", order_number="TC9", rev_conn_id="links_gone")
    assert RevOrderLink().get_link(operator, ti_key=KEY) == ""
