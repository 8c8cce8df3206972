"""Extra links shared by the vendors: a vendor job's URL, and the run's manifest.

How Airflow 3 shows an extra link: when a task instance ends (or defers), the worker calls
`get_link(operator, ti_key=...)` on each of the operator's links and stores the answer in XCom under
`_link_<class name>`; the UI then reads that XCom, never our code. So a link is built where the task ran,
from what the task pushed: the job's id (an XCom key the operator pushes before it waits) or, failing
that, the operator's own rendered id field. Nothing secret goes in: the ids are the vendor's, and the
base URL is the connection's host (a sandbox connection gives sandbox links), never its credentials.

Where a vendor has no web page for a job (none of the vendor documents names one, except Panjaya's
studio link), the link is the job's documented API resource (the GET that answers its status): it is the
vendor's own URL for the job, shows the job as the vendor sees it (JSON, with the vendor's credentials)
and names the job without doubt in a support ticket. Each vendor's `links.py` says which.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar
from urllib.parse import quote, urlparse

from airflow.sdk import BaseOperatorLink
from airflow.sdk.bases.xcom import BaseXCom

log = logging.getLogger(__name__)

#: The XCom key of a task's returned value.
RETURN_VALUE = "return_value"


def pushed_value(ti_key: Any, key: str) -> Any:
    """One XCom of the task instance (None when it pushed none, or when XCom cannot be read)."""
    try:
        return BaseXCom.get_value(ti_key=ti_key, key=key)
    except Exception:  # a link must never fail the task whose finalization asks for it
        return None


class VendorJobLink(BaseOperatorLink):
    """A vendor job's URL, built from the job id the task pushed and the hook of the operator.

    Subclasses name the link (`name`), where the id is (`id_xcom_key`, `id_field`) and how the hook turns
    an id into a URL (`url_for`). The operator must have a `hook` (its cached hook).
    """

    name: ClassVar[str] = "Vendor job"
    #: The XCom key the operator pushes the job id under (read first).
    id_xcom_key: ClassVar[str | None] = None
    #: The operator's (templated, rendered) attribute that holds the id, when the task pushed none.
    id_field: ClassVar[str | None] = None

    def job_id(self, operator: Any, ti_key: Any) -> str | None:
        value = pushed_value(ti_key, self.id_xcom_key) if self.id_xcom_key else None
        if not value and self.id_field:
            value = getattr(operator, self.id_field, None)
        if isinstance(value, str) and value.strip() and "{{" not in value:
            return value.strip()
        return None

    def url_for(self, hook: Any, job_id: str) -> str:
        raise NotImplementedError

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        job_id = self.job_id(operator, ti_key)
        if job_id is None:
            return ""
        try:
            return self.url_for(operator.hook, job_id)
        except Exception as error:  # e.g. the connection is gone: no link, and the task's outcome stands
            log.warning("No %r link for job %s: %s", self.name, job_id, error)
            return ""


def storage_url(uri: str) -> str:
    """A storage URI as something a browser can open: the cloud console's page of the object, or
    `file://` for a local path (which opens only on a machine that mounts it).

    The console URLs are the consoles' public object pages (AWS S3, Google Cloud Storage); any other
    scheme is shown as it is.
    """
    parsed = urlparse(uri)
    bucket, key = parsed.netloc, parsed.path.lstrip("/")
    if parsed.scheme in ("s3", "s3a"):
        return f"https://s3.console.aws.amazon.com/s3/object/{bucket}?prefix={quote(key)}"
    if parsed.scheme in ("gs", "gcs"):
        return f"https://console.cloud.google.com/storage/browser/_details/{bucket}/{quote(key)}"
    if not parsed.scheme and uri.startswith("/"):
        return f"file://{quote(uri)}"
    return uri


def manifest_uri_of(result: Any) -> str | None:
    """The manifest's URI in a manifest task's result (`{"manifest": {"uri": ...}}`)."""
    if not isinstance(result, dict):
        return None
    manifest = result.get("manifest")
    if isinstance(manifest, dict):
        manifest = manifest.get("uri")
    return manifest if isinstance(manifest, str) and manifest else None


class ManifestLink(BaseOperatorLink):
    """The run's `manifest.json`: where the manifest task wrote it (its returned `manifest.uri`).

    Attach it to a DAG's manifest task (`manifest_task.operator.operator_extra_links = [ManifestLink()]`,
    see `attach_manifest_link`); it shows the object in the cloud console for s3:// and gs://, and a
    `file://` URL for a local output root.
    """

    name = "Run manifest"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        uri = manifest_uri_of(pushed_value(ti_key, RETURN_VALUE))
        return storage_url(uri) if uri else ""


def attach_manifest_link(task: Any) -> Any:
    """Give a manifest task (an operator, or the output of a `@task` call) the `ManifestLink`."""
    operator = getattr(task, "operator", task)
    operator.operator_extra_links = [*operator.operator_extra_links, ManifestLink()]
    return task


def import_links(paths: list[str]) -> list[type[BaseOperatorLink]]:
    """The link classes named by dotted paths (the provider info's `extra-links`)."""
    from airflow.sdk.module_loading import import_string

    return [import_string(path) for path in paths]
