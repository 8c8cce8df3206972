"""Lineage: which source (and which vendor jobs) produced which delivered files.

Two channels, both optional for a deployment:

- OpenLineage (the `openlineage` extra, `apache-airflow-providers-openlineage`): the download operators
  answer `get_openlineage_facets_on_complete` (`DeliveryLineageMixin`): the source as input (or, when the
  DAG does not name it, the vendor job the files came from), every file saved as an output, and the vendor
  job ids as a custom run facet (`core.openlineage`). Nothing here imports OpenLineage: the provider works
  the same without the extra, the method is only called by the OpenLineage listener.
- Airflow's hook lineage (`get_hook_lineage_collector()`): the storage layer reports each file under its
  final name once it is renamed into place (never the temporary `.part` name), and the manifest writer
  reports the source as input and every delivered file and the manifest as outputs
  (`record_delivery`). The OpenLineage provider turns these into the inputs/outputs of a task that has
  no extractor of its own (the DAGs' `@task` manifest).

Sources can be pre-signed URLs: only their redacted form (no query) ever reaches lineage.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

#: The custom run facet's name (OpenLineage wants custom facets prefixed by their producer).
VENDOR_JOBS_FACET = "videoLocalization_vendorJobs"


def _redacted(uri: str) -> str:
    from video_localization.core.http import redact_query

    return redact_query(uri)


def _collector() -> Any:
    from airflow.sdk.lineage import get_hook_lineage_collector

    return get_hook_lineage_collector()


def record_output(path: Any) -> None:
    """Report a file written under its final name to Airflow's hook lineage (never raises)."""
    _record("add_output_asset", path)


def record_input(path: Any) -> None:
    """Report a file or URL read to Airflow's hook lineage (never raises)."""
    _record("add_input_asset", path)


def _record(method: str, path: Any) -> None:
    uri = _redacted(str(path))
    try:
        from airflow.sdk import ObjectStoragePath

        context = path if isinstance(path, ObjectStoragePath) else ObjectStoragePath(_as_uri(uri))
        getattr(_collector(), method)(context=context, uri=_as_uri(uri))
    except Exception as error:  # lineage is a report: it must never fail the delivery
        log.debug("Hook lineage for %s not recorded: %s", uri, error)


def _as_uri(location: str) -> str:
    """A local path as a `file://` URI; any URI as it is."""
    if "://" in location:
        return location
    from pathlib import Path

    return Path(location).expanduser().resolve().as_uri()


def record_delivery(source: str | None, files: Iterable[str], manifest: str | None = None) -> None:
    """The manifest task's lineage: the source in, every delivered file (and the manifest) out."""
    if source:
        record_input(source)
    for uri in files:
        record_output(uri)
    if manifest:
        record_output(manifest)


def delivered_files(manifest: Mapping[str, Any]) -> list[str]:
    """Every file a `localize_video` / `talking_head_video` manifest lists (videos, captions, transcript)."""
    uris: list[str] = []
    for language in manifest.get("languages") or manifest.get("locales") or []:
        uris.extend(item["uri"] for item in language.get("files", []) if item.get("uri"))
    captions = manifest.get("captions") or {}
    for files in (captions.get("files") or {}).values():
        uris.extend(item["uri"] for item in files if item.get("uri"))
    transcript = captions.get("source_transcript")
    if isinstance(transcript, Mapping) and transcript.get("uri"):
        uris.append(transcript["uri"])
    return list(dict.fromkeys(uris))


@dataclass(frozen=True)
class Delivery:
    """What one download task delivered, as lineage: from which source and vendor job, which files."""

    vendor: str
    #: The vendor's ids of the job(s) the files came from (`{"order_number": ...}`, `{"job_id": ...}`).
    jobs: Mapping[str, Any]
    #: The delivered files' URIs (final names).
    outputs: tuple[str, ...]
    #: The source video (redacted), when the DAG named it.
    source: str | None = None
    #: The vendor job's own URL (the extra link's), the input when the source is not named.
    job_url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class DeliveryLineageMixin:
    """`get_openlineage_facets_on_complete` for an operator that saves vendor results into storage.

    The operator calls `remember_delivery(...)` once its files are in place; the OpenLineage listener
    then asks for the facets in the same process.

    :param lineage_source: the source video the delivered files were made from (templated): the
        OpenLineage input. Default: the vendor job the files came from.
    """

    _delivery: Delivery | None = None

    def __init__(self, *, lineage_source: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lineage_source = lineage_source

    def remember_delivery(
        self,
        vendor: str,
        jobs: Mapping[str, Any],
        files: Iterable[Mapping[str, Any]],
        *,
        job_url: str | None = None,
    ) -> None:
        source = self.lineage_source if isinstance(self.lineage_source, str) and self.lineage_source else None
        self._delivery = Delivery(
            vendor=vendor,
            jobs={key: value for key, value in jobs.items() if value not in (None, "", {})},
            outputs=tuple(item["uri"] for item in files if item.get("uri")),
            source=_redacted(source) if source else None,
            job_url=job_url,
        )

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """The OpenLineage facets of the completed delivery (None before one, or without OpenLineage)."""
        if self._delivery is None:
            return None
        from video_localization.core.openlineage import operator_lineage

        return operator_lineage(self._delivery)
