"""Lineage of a delivery: OpenLineage facets of a completed download (the `openlineage` extra is in the dev
group), Airflow's hook lineage naming final paths (never `.part`), and the manifest's lineage.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import lineage as sdk_lineage
from airflow.sdk.lineage import HookLineageCollector
from openlineage.client.serde import Serde

from akool_test_support import AkoolObjects, akool_objects, fast_hook
from video_localization.akool.operators import AkoolDownloadTranslationOperator
from video_localization.core.lineage import VENDOR_JOBS_FACET, delivered_files
from video_localization.core.openlineage import VendorJobsRunFacet, dataset
from video_localization.core.storage import as_storage_path, write_bytes
from video_localization.pipelines.localize import write_manifest
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import fake_context

PRESIGNED_SOURCE = "https://media.example.com/masters/launch.mp4?X-Amz-Signature=abc123&X-Amz-Credential=k"


@pytest.fixture
def akool(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[AkoolObjects]:
    yield from akool_objects(sandbox, monkeypatch)


@pytest.fixture
def collector(monkeypatch: pytest.MonkeyPatch) -> HookLineageCollector:
    """A real hook-lineage collector, as Airflow installs one when a lineage reader (OpenLineage) is there."""
    collector = HookLineageCollector()
    monkeypatch.setattr(sdk_lineage, "get_hook_lineage_collector", lambda: collector)
    return collector


def download(job_id: str, output: Path, **overrides: Any) -> AkoolDownloadTranslationOperator:
    operator = AkoolDownloadTranslationOperator(
        task_id="download", video_model_id=job_id, output_dir=str(output), locale="fr-FR", **overrides
    )
    operator.__dict__["hook"] = fast_hook()
    return operator


def test_a_completed_download_reports_source_files_and_vendor_jobs(
    akool: AkoolObjects, tmp_path: Path
) -> None:
    job = akool.completed_job()
    operator = download(job.id, tmp_path, lineage_source=PRESIGNED_SOURCE)
    assert operator.get_openlineage_facets_on_complete(None) is None  # nothing delivered yet

    operator.execute(fake_context())
    lineage = operator.get_openlineage_facets_on_complete(None)

    assert [(d.namespace, d.name) for d in lineage.inputs] == [
        ("https://media.example.com", "/masters/launch.mp4")
    ]
    assert [(d.namespace, d.name) for d in lineage.outputs] == [("file", str(tmp_path / "video.mp4"))]
    facet = lineage.run_facets[VENDOR_JOBS_FACET]
    assert isinstance(facet, VendorJobsRunFacet)
    assert facet.vendor == "akool"
    assert facet.jobs == {"video_model_id": job.id, "locale": "fr-FR"}
    event_json = json.dumps(Serde.to_dict(facet))
    assert job.id in event_json
    inputs_json = json.dumps([Serde.to_dict(d) for d in lineage.inputs])
    assert "abc123" not in inputs_json and "Signature" not in inputs_json  # the pre-signed query is gone
    assert "abc123" not in repr(lineage)


def test_without_a_named_source_the_input_is_the_vendor_job(akool: AkoolObjects, tmp_path: Path) -> None:
    job = akool.completed_job()
    operator = download(job.id, tmp_path)
    operator.execute(fake_context())
    (source,) = operator.get_openlineage_facets_on_complete(None).inputs
    base = akool.sandbox.vendor_url("akool")
    assert f"{source.namespace}{source.name}" == f"{base}/content/video/infobymodelid?video_model_id={job.id}"


def test_lineage_source_is_a_template_field() -> None:
    assert "lineage_source" in AkoolDownloadTranslationOperator.template_fields


def test_hook_lineage_names_the_final_file_never_the_part_file(
    akool: AkoolObjects, tmp_path: Path, collector: HookLineageCollector
) -> None:
    job = akool.completed_job()
    download(job.id, tmp_path).execute(fake_context())
    outputs = [info.asset.uri for info in collector.collected_assets.outputs]
    assert outputs == [(tmp_path / "video.mp4").as_uri()]
    everything = [info.asset.uri for info in collector.collected_assets.inputs] + outputs
    assert not [uri for uri in everything if uri.endswith(".part")], everything


def test_the_manifest_reports_the_source_in_and_every_delivered_file_out(
    tmp_path: Path, collector: HookLineageCollector
) -> None:
    source = tmp_path / "source.mp4"
    source.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    video = write_bytes(as_storage_path(tmp_path / "run" / "fr-FR") / "video.mp4", b"v", "video/mp4")
    srt = write_bytes(as_storage_path(tmp_path / "run" / "fr-FR" / "captions") / "fr-FR.srt", b"s")
    manifest = {
        "languages": [{"locale": "fr-FR", "files": [video.to_dict()]}],
        "captions": {"files": {"fr-FR": [srt.to_dict()]}, "source_transcript": None},
    }
    assert delivered_files(manifest) == [video.uri, srt.uri]

    stored = write_manifest({"run_dir": str(tmp_path / "run"), "source": str(source)}, manifest)

    inputs = [info.asset.uri for info in collector.collected_assets.inputs]
    outputs = [info.asset.uri for info in collector.collected_assets.outputs]
    assert inputs == [source.as_uri()]
    assert set(outputs) == {video.uri, srt.uri, stored.uri}
    assert not [uri for uri in outputs if uri.endswith(".part")]


@pytest.mark.parametrize(
    ("uri", "namespace", "name"),
    [
        ("file:///srv/out/a%20b.mp4", "file", "/srv/out/a b.mp4"),
        ("/srv/out/a.mp4", "file", "/srv/out/a.mp4"),
        ("s3://media/localized/run/fr-FR/video.mp4", "s3://media", "localized/run/fr-FR/video.mp4"),
        ("gcs://media/x/video.mp4", "gs://media", "x/video.mp4"),
        ("https://cdn.example.com/v.mp4?sig=secret", "https://cdn.example.com", "/v.mp4"),
    ],
)
def test_datasets_follow_the_openlineage_naming(uri: str, namespace: str, name: str) -> None:
    assert (dataset(uri).namespace, dataset(uri).name) == (namespace, name)


def test_the_provider_imports_no_openlineage() -> None:
    """Without the extra the provider must work: no operator module imports OpenLineage's client or
    extractors (Airflow itself reads every installed provider's `get_provider_info`, nothing more)."""
    code = (
        "import sys\n"
        "import video_localization.akool.operators, video_localization.rev.operators\n"
        "import video_localization.panjaya.operators, video_localization.blendvision.operators\n"
        "import video_localization.cdnvideo.operators, video_localization.pipelines.localize\n"
        "watched = ('openlineage', 'video_localization.core.openlineage',"
        " 'airflow.providers.openlineage.ext')\n"
        "loaded = [m for m in sys.modules if m.startswith(watched)]\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


class ManifestTi:
    """The task instance OpenLineage hands a custom-facet function (only `xcom_pull` is used)."""

    def __init__(self, task_id: str, result: Any) -> None:
        self.task_id, self.result, self.pulled = task_id, result, 0

    def xcom_pull(self, *, task_ids: str) -> Any:
        self.pulled += 1
        return self.result


def test_the_manifest_task_gets_the_runs_vendor_jobs_as_a_custom_facet() -> None:
    from video_localization.core.openlineage import manifest_run_facets

    summary = {"vendor": "panjaya", "vendor_ids": {"asset_id": "A1", "versions": {"fr-FR": "V1"}}}
    facets = manifest_run_facets(ManifestTi("manifest", {"manifest": {}, "summary": summary}), "success")
    facet = facets[VENDOR_JOBS_FACET]
    assert (facet.vendor, facet.jobs) == ("panjaya", {"asset_id": "A1", "versions": {"fr-FR": "V1"}})

    other = ManifestTi("plan", {"summary": summary})
    assert manifest_run_facets(other, "success") == {}
    assert other.pulled == 0  # other tasks cost no XCom read
    assert manifest_run_facets(ManifestTi("manifest", None), "failed") == {}
