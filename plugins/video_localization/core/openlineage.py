"""OpenLineage facets of a delivery. Imported only by the OpenLineage listener's call to an operator's
`get_openlineage_facets_on_complete` (see `core.lineage`), so only where the `openlineage` extra is installed.

Dataset names follow the OpenLineage naming spec: a local file is namespace `file`, name its absolute path;
`s3://bucket/key` is namespace `s3://bucket`, name `key` (`gs://` likewise); an http(s) URL is namespace
`https://host`, name its path (never its query: pre-signed URLs carry credentials there).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlparse

import attr
from airflow.providers.openlineage.extractors import OperatorLineage
from openlineage.client.event_v2 import Dataset
from openlineage.client.facet_v2 import RunFacet

from video_localization.core.lineage import VENDOR_JOBS_FACET, Delivery


@attr.define
class VendorJobsRunFacet(RunFacet):
    """Which vendor jobs a task's files came from (ids only, never links that grant access).

    :param vendor: the vendor (`panjaya`, `akool`, `blendvision`, `rev`, `cdnvideo`).
    :param jobs: the vendor's ids, by name (`{"order_number": "TC1"}`, `{"version_id": ..., ...}`).
    """

    vendor: str
    jobs: dict[str, Any] = attr.field(factory=dict)

    @staticmethod
    def _get_schema() -> str:
        # No published schema of its own: a RunFacet with two plain fields.
        return "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunFacet"


def dataset(uri: str, *, keep_query: bool = False) -> Dataset:
    """An OpenLineage dataset for a file URI, a local path or an http(s) URL.

    `keep_query` only for a URL this project built from ids (a vendor job's, whose id may be a query
    parameter); never for a user's or a vendor's URL.
    """
    if "://" not in uri:
        return Dataset(namespace="file", name=uri)
    parsed = urlparse(uri)
    scheme = parsed.scheme.lower()
    if scheme == "file":
        return Dataset(namespace="file", name=unquote(parsed.path))
    if scheme == "gcs":
        scheme = "gs"
    if scheme in ("s3", "s3a", "gs", "az", "abfs", "abfss", "hdfs"):
        return Dataset(namespace=f"{scheme}://{parsed.netloc}", name=parsed.path.lstrip("/"))
    name = parsed.path or "/"
    if keep_query and parsed.query:
        name = f"{name}?{parsed.query}"
    return Dataset(namespace=f"{scheme}://{parsed.netloc}", name=name)


def operator_lineage(delivery: Delivery) -> OperatorLineage:
    """Inputs (the source, else the vendor job), outputs (every delivered file), the vendor-jobs facet."""
    if delivery.source:
        inputs = [dataset(delivery.source)]
    else:
        inputs = [dataset(delivery.job_url, keep_query=True)] if delivery.job_url else []
    return OperatorLineage(
        inputs=inputs,
        outputs=[dataset(uri) for uri in delivery.outputs],
        run_facets={VENDOR_JOBS_FACET: VendorJobsRunFacet(vendor=delivery.vendor, jobs=dict(delivery.jobs))},
    )


#: Task ids whose result is a manifest task's (`{"manifest": ..., "summary": {...}}`).
MANIFEST_TASK_ID = "manifest"


def manifest_run_facets(task_instance: Any, ti_state: Any) -> dict[str, RunFacet]:
    """The vendor-jobs facet of a DAG's manifest task, for OpenLineage's `[openlineage] custom_run_facets`.

    A `@task` manifest has no `get_openlineage_facets_on_complete` of its own (its inputs and outputs come
    from hook lineage): this function gives it the run's vendor ids from its result's `summary`
    (`vendor`, `vendor_ids`). Any other task gets nothing, and no XCom is read for it. Enable it with
    `AIRFLOW__OPENLINEAGE__CUSTOM_RUN_FACETS=video_localization.core.openlineage.manifest_run_facets`.
    """
    if getattr(task_instance, "task_id", None) != MANIFEST_TASK_ID:
        return {}
    result = task_instance.xcom_pull(task_ids=MANIFEST_TASK_ID)
    summary = result.get("summary") if isinstance(result, dict) else None
    if not isinstance(summary, dict) or not summary.get("vendor"):
        return {}
    jobs = summary.get("vendor_ids") if isinstance(summary.get("vendor_ids"), dict) else {}
    return {VENDOR_JOBS_FACET: VendorJobsRunFacet(vendor=str(summary["vendor"]), jobs=dict(jobs))}
