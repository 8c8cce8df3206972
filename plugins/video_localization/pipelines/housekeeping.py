"""The `vendor_housekeeping` pipeline: results about to vanish at the vendor, quotas, remote clean-up.

What is archived is read from the manifests under the output location (`<location>/**/manifest.json`):
every entry of a manifest that lists saved files names the vendor job it came from (`job_id`,
`task_id`, `version_id`, `order_number`, ...). What exists at a vendor comes from the vendor's own API
where it offers a listing (CDNvideo's tasks, Rev's orders) and, for Akool, which lists nothing, from
the job ids the manifests recorded without files plus any ids given to the run.

Vendor links do not last: Akool results 7 days after creation, Rev burned-in caption videos 7 days after
they are made, CDNvideo video links 6 hours (CDNvideo keeps the file itself 30 days, so a fresh link
can be asked for until then). A result not archived whose link ends within the horizon is reported.

It also prunes the callback ledger (`callbacks.ledger`): job ids named by verified webhooks, kept as
Airflow Variables for tasks whose create answer was lost, are deleted once older than
`[video_localization] callback_ledger_max_age_hours`.

The vendor calls go through the vendor hooks, imported when a vendor is checked, so this module (and
the DAG) load whatever vendors are installed and configured.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, cast, overload
from urllib.parse import parse_qs, urlparse

from airflow.sdk import ObjectStoragePath, Param

from video_localization.akool.models import VideoStatus
from video_localization.callbacks.ledger import VariableLedger
from video_localization.core.config import float_setting, setting
from video_localization.core.errors import VendorError
from video_localization.core.storage import StoredFile, as_storage_path, safe_path_part, write_bytes
from video_localization.pipelines.localize import default_output_location
from video_localization.rev.models import AttachmentKind, OrderStatus

if TYPE_CHECKING:
    from video_localization.akool.hook import AkoolHook
    from video_localization.cdnvideo.hook import CDNVideoHook
    from video_localization.cdnvideo.models import Quota
    from video_localization.core.hooks import VendorHook
    from video_localization.rev.hook import RevHook

log = logging.getLogger(__name__)

#: How long a vendor's result link lasts, from the moment the vendor made the result (or the link).
LINK_LIFETIMES: dict[str, timedelta] = {
    "akool": timedelta(days=7),  # "resources ... are valid for 7 days"
    "rev": timedelta(days=7),  # "burned-in captions will be available ... for 7 days after generated"
    "cdnvideo": timedelta(hours=6),  # "The link is valid for 6 hours"
}
#: CDNvideo keeps a generated video 30 days (its limits table); a new 6-hour link can be had till then.
CDNVIDEO_FILE_RETENTION = timedelta(days=30)
#: Keys of a manifest entry that name the vendor job its files came from.
JOB_ID_KEYS = ("job_id", "task_id", "version_id", "order_number", "attachment_id", "video_model_id")
#: A quota with less than this share left is flagged.
LOW_QUOTA_SHARE = 0.1
REPORT_FOLDER = "housekeeping"


def schedule() -> str:
    return setting("housekeeping_schedule")


def params() -> dict[str, Param]:
    return {
        "output_location": Param(
            default_output_location(),
            type="string",
            minLength=1,
            title="Output location",
            description="Where the manifests are (the record of what is archived) and the report goes.",
        ),
        "horizon_hours": Param(
            24,
            type="number",
            exclusiveMinimum=0,
            title="Horizon (hours)",
            description="Report results not archived whose vendor link ends within this many hours.",
        ),
        "delete_archived_talking_heads": Param(
            False,
            type="boolean",
            title="Delete archived talking-head videos",
            description="Delete at CDNvideo every video whose archived copy verifies (size and SHA-256).",
        ),
        "akool_video_ids": Param(
            [],
            type="array",
            items={"type": "string"},
            title="Akool video ids",
            description="Akool has no listing: ids of jobs to check besides those the manifests name.",
        ),
        "cdnvideo_conn_id": Param("cdnvideo_default", type="string", title="CDNvideo connection"),
        "rev_conn_id": Param("rev_default", type="string", title="Rev connection"),
        "akool_conn_id": Param("akool_default", type="string", title="Akool connection"),
    }


# -- what is archived ------------------------------------------------------------------------------------
@dataclass
class ArchivedJob:
    vendor: str
    job_id: str
    manifest: str
    files: list[dict[str, Any]] = field(default_factory=list)
    remote_deleted: bool = False


def _manifests(root: ObjectStoragePath) -> Iterator[ObjectStoragePath]:
    if not root.exists():
        return
    for path in sorted(root.rglob("manifest.json"), key=str):
        if not any(part.startswith(".") for part in path.parts):
            yield path


def _entries(node: Any, vendor: str | None) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """Every dict of a manifest with the vendor in force there (an entry may name its own vendor)."""
    if isinstance(node, dict):
        vendor = node["vendor"] if isinstance(node.get("vendor"), str) else vendor
        yield vendor, node
        for value in node.values():
            yield from _entries(value, vendor)
    elif isinstance(node, list):
        for item in node:
            yield from _entries(item, vendor)


def archive_index(location: str) -> dict[str, Any]:
    """Jobs whose results a manifest lists as saved, and jobs a manifest names without files."""
    archived: dict[str, dict[str, Any]] = {}
    unsaved: list[dict[str, str]] = []
    unreadable: list[dict[str, str]] = []
    manifests = 0
    for path in _manifests(as_storage_path(location)):
        try:
            document = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            unreadable.append({"manifest": str(path), "error": str(error)})
            continue
        manifests += 1
        for vendor, entry in _entries(document, None):
            ids = [
                str(entry[key]) for key in JOB_ID_KEYS if isinstance(entry.get(key), str | int) and entry[key]
            ]
            if not ids or not vendor:
                continue
            files = entry.get("files")
            for job_id in ids:
                if isinstance(files, list) and files:
                    job = archived.setdefault(
                        f"{vendor}:{job_id}", asdict(ArchivedJob(vendor, job_id, str(path)))
                    )
                    job["files"].extend(file for file in files if isinstance(file, dict))
                    job["remote_deleted"] = job["remote_deleted"] or bool(entry.get("remote_deleted"))
                elif isinstance(files, list):
                    unsaved.append({"vendor": vendor, "job_id": job_id, "manifest": str(path)})
    return {"manifests": manifests, "archived": archived, "unsaved": unsaved, "unreadable": unreadable}


def is_archived(index: dict[str, Any], vendor: str, *job_ids: str) -> bool:
    return any(f"{vendor}:{job_id}" in index["archived"] for job_id in job_ids if job_id)


# -- what is at the vendors -------------------------------------------------------------------------------
@dataclass
class RemoteResult:
    """A result a vendor holds, when its link ends, and whether our storage has a copy."""

    vendor: str
    kind: str
    job_id: str
    name: str | None = None
    made_at: str | None = None
    link_expires_at: str | None = None
    file_kept_until: str | None = None
    archived: bool = False
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _link_expiry(url: str | None) -> datetime | None:
    """The expiry a signed CDN link carries in its `e=` (epoch seconds) parameter, if any."""
    if not url:
        return None
    values = parse_qs(urlparse(url).query).get("e")
    try:
        return datetime.fromtimestamp(int(values[0]), UTC) if values else None
    except (ValueError, OverflowError):
        return None


def cdnvideo_results(hook: CDNVideoHook, index: dict[str, Any], now: datetime) -> list[RemoteResult]:
    """Every video CDNvideo still keeps (the last 30 days of tasks)."""
    results = []
    for row in hook.iter_tasks(start=now - CDNVIDEO_FILE_RETENTION, fields=("video_name",)):
        if not row.video_url:
            continue  # not processed (queued, canceled): nothing to fetch
        made = row.date
        # The listing hands out a fresh link: its own `e=` expiry, else 6 hours from now.
        link_expiry = _link_expiry(row.video_url) or now + LINK_LIFETIMES["cdnvideo"]
        results.append(
            RemoteResult(
                vendor="cdnvideo",
                kind="talking_head_video",
                job_id=row.id,
                name=row.video_name,
                made_at=_iso(made),
                link_expires_at=_iso(link_expiry),
                file_kept_until=_iso(made + CDNVIDEO_FILE_RETENTION) if made else None,
                archived=is_archived(index, "cdnvideo", row.id),
                note="a fresh 6-hour link can be asked for until the file is deleted",
            )
        )
    return results


def rev_results(hook: RevHook, index: dict[str, Any], now: datetime) -> list[RemoteResult]:
    """Burned-in caption videos of complete Rev orders (the one Rev result with a 7-day life)."""
    results = []
    for order in hook.iter_orders():
        if order.status != OrderStatus.COMPLETE:
            continue
        if not order.attachments:
            order = hook.get_order(order.order_number)
        burned = [a for a in order.attachments if a.kind == AttachmentKind.BURNED_IN]
        if not burned:
            continue
        stamps = [c.timestamp for c in order.comments if c.timestamp is not None]
        made = max(stamps) if stamps else None
        for attachment in burned:
            results.append(
                RemoteResult(
                    vendor="rev",
                    kind="burned_in_captions",
                    job_id=order.order_number,
                    name=attachment.name,
                    made_at=_iso(made),
                    link_expires_at=_iso(made + LINK_LIFETIMES["rev"]) if made else None,
                    archived=is_archived(index, "rev", order.order_number, attachment.id),
                    note=None if made else "Rev does not say when it was made: treat it as expiring",
                )
            )
    return results


def akool_results(
    hook: AkoolHook, index: dict[str, Any], video_ids: Iterable[str], now: datetime
) -> list[RemoteResult]:
    """Akool has no listing: the jobs named by manifests without files and by the run's param."""
    wanted = list(
        dict.fromkeys([*video_ids, *(u["job_id"] for u in index["unsaved"] if u["vendor"] == "akool")])
    )
    results = []
    for video_id in wanted:
        job = hook.get_video_info(video_id)
        if job.video_status != VideoStatus.COMPLETED:  # only a completed job has a result to lose
            continue
        made = datetime.fromtimestamp(job.create_time / 1000, UTC) if job.create_time else None
        results.append(
            RemoteResult(
                vendor="akool",
                kind="translated_video",
                job_id=job.id,
                name=job.language,
                made_at=_iso(made),
                link_expires_at=_iso(made + LINK_LIFETIMES["akool"]) if made else None,
                archived=is_archived(index, "akool", job.id),
                note=None if made else "Akool gave no creation time: treat it as expiring",
            )
        )
    return results


def expiring_soon(
    results: Iterable[dict[str, Any]], now: datetime, horizon: timedelta
) -> list[dict[str, Any]]:
    """Results not archived whose link ends before `now + horizon` (or whose end is unknown)."""
    soon = []
    for result in results:
        if result["archived"]:
            continue
        ends = result.get("link_expires_at")
        if ends is None or datetime.fromisoformat(ends) <= now + horizon:
            soon.append(result)
    return sorted(soon, key=lambda r: r.get("link_expires_at") or "")


# -- checking one vendor -----------------------------------------------------------------------------------
#: The hook of each vendor checked here, imported only when that vendor is checked.
HOOKS = {
    "cdnvideo": ("video_localization.cdnvideo.hook", "CDNVideoHook"),
    "rev": ("video_localization.rev.hook", "RevHook"),
    "akool": ("video_localization.akool.hook", "AkoolHook"),
}


def connection_problem(conn_id: str) -> str | None:
    """Why the connection cannot be used (not defined), or None."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return f"no connection {conn_id!r} is defined"
    return None


@overload
def make_hook(vendor: Literal["cdnvideo"], conn_id: str) -> CDNVideoHook: ...
@overload
def make_hook(vendor: Literal["rev"], conn_id: str) -> RevHook: ...
@overload
def make_hook(vendor: Literal["akool"], conn_id: str) -> AkoolHook: ...
@overload
def make_hook(vendor: str, conn_id: str) -> VendorHook: ...
def make_hook(vendor: str, conn_id: str) -> VendorHook:
    """The vendor's hook (`HOOKS`) on `conn_id`, its module imported only now."""
    import importlib

    module, name = HOOKS[vendor]
    return getattr(importlib.import_module(module), name)(conn_id)


def check_vendor(
    vendor: str,
    conn_id: str,
    index: dict[str, Any],
    now: datetime,
    *,
    akool_video_ids: Iterable[str] = (),
) -> dict[str, Any]:
    """One vendor's results (and quota where its API tells it); a vendor's failure is reported, not raised."""
    outcome: dict[str, Any] = {"vendor": vendor, "conn_id": conn_id, "results": []}
    problem = connection_problem(conn_id)
    if problem:
        return {**outcome, "status": "not_configured", "reason": problem}
    try:
        hook = make_hook(vendor, conn_id)
    except ImportError as error:
        return {**outcome, "status": "not_installed", "reason": str(error)}
    try:
        # `HOOKS` maps each vendor to its hook class: the casts only tell the type checker so.
        if vendor == "cdnvideo":
            cdnvideo = cast("CDNVideoHook", hook)
            results = cdnvideo_results(cdnvideo, index, now)
            outcome["quota"] = report_cdnvideo_quota(cdnvideo.get_configurations().quota)
        elif vendor == "rev":
            results = rev_results(cast("RevHook", hook), index, now)
        else:
            results = akool_results(cast("AkoolHook", hook), index, akool_video_ids, now)
    except VendorError as error:
        log.warning("%s could not be checked: %s", vendor, error)
        return {**outcome, "status": "error", "error": str(error)}
    return {
        **outcome,
        "status": "ok",
        "checked": len(results),
        "results": [result.to_dict() for result in results],
    }


def quotas(vendors: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    lines = [vendor["quota"] for vendor in vendors if vendor.get("quota")]
    lines += [
        {"vendor": name, "status": "not_offered", "note": "the vendor's API has no quota or balance endpoint"}
        for name in NO_QUOTA_ENDPOINT
    ]
    return lines


# -- quota ---------------------------------------------------------------------------------------------------
def report_cdnvideo_quota(quota_answer: Quota | Mapping[str, float] | None) -> dict[str, Any]:
    """CDNvideo's `quota` of `GET .../configurations` (`{"limit": 560.0, "left": 544.0}`) as a report line."""
    if quota_answer is None:
        return {"vendor": "cdnvideo", "status": "not_reported", "note": "the account's answer has no quota"}
    values = quota_answer.model_dump() if hasattr(quota_answer, "model_dump") else dict(quota_answer)
    limit, left = float(values["limit"]), float(values["left"])
    share = left / limit if limit > 0 else 0.0
    return {
        "vendor": "cdnvideo",
        "status": "low" if share < LOW_QUOTA_SHARE else "ok",
        "limit": limit,
        "left": left,
        "used": limit - left,
        "left_share": round(share, 4),
        "note": "requests this month (the limits table: 1500 a month)",
    }


#: Vendors whose APIs tell nothing about remaining credit (their documents list no such endpoint).
NO_QUOTA_ENDPOINT = ("akool", "rev", "panjaya", "blendvision")


# -- remote clean-up ----------------------------------------------------------------------------------------
def verify_copy(files: Iterable[dict[str, Any]]) -> str | None:
    """Why the archived copy cannot be trusted (missing, size or SHA-256 differs), or None if it verifies."""
    listed = list(files)
    if not listed:
        return "the manifest lists no file"
    for entry in listed:
        path = as_storage_path(entry["uri"])
        if not path.exists():
            return f"{entry['uri']} is missing"
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
        if size != entry.get("size_bytes") or digest.hexdigest() != entry.get("sha256"):
            return f"{entry['uri']} does not match its size/SHA-256 in the manifest"
    return None


def delete_archived_talking_heads(
    hook: CDNVideoHook, index: dict[str, Any], remote: Iterable[dict[str, Any]]
) -> dict[str, list[dict[str, str]]]:
    """Delete at CDNvideo each video still there whose archived copy verifies; never one that does not."""
    deleted, kept = [], []
    for result in remote:
        if result["vendor"] != "cdnvideo" or not result["archived"]:
            continue
        job = index["archived"][f"cdnvideo:{result['job_id']}"]
        problem = verify_copy(job["files"])
        if problem:
            kept.append({"job_id": result["job_id"], "reason": problem})
            continue
        try:
            hook.delete_video(result["job_id"])
        except VendorError as error:
            kept.append({"job_id": result["job_id"], "reason": str(error)})
            continue
        deleted.append({"job_id": result["job_id"], "manifest": job["manifest"]})
    return {"deleted": deleted, "kept": kept}


# -- the callback ledger ------------------------------------------------------------------------------------
def prune_callback_ledger(now: datetime) -> dict[str, Any]:
    """Delete the callback-ledger entries older than `callback_ledger_max_age_hours` (run in a task)."""
    hours = float_setting("callback_ledger_max_age_hours")
    pruned = VariableLedger().prune(timedelta(hours=hours), now)
    return {"max_age_hours": hours, **pruned.to_dict()}


# -- the report ---------------------------------------------------------------------------------------------
def build_report(
    *,
    run_id: str,
    now: datetime,
    horizon: timedelta,
    index: dict[str, Any],
    vendors: list[dict[str, Any]],
    quotas: list[dict[str, Any]],
    cleanup: dict[str, Any] | None,
    callback_ledger: dict[str, Any] | None = None,
) -> dict[str, Any]:
    remote = [result for vendor in vendors for result in vendor.get("results", [])]
    return {
        "report_version": 1,
        "run_id": run_id,
        "generated_at": now.isoformat(),
        "horizon_hours": horizon.total_seconds() / 3600,
        "manifests_read": index["manifests"],
        "archived_jobs": len(index["archived"]),
        "unreadable_manifests": index["unreadable"],
        "vendors": [{k: v for k, v in vendor.items() if k != "results"} for vendor in vendors],
        "expiring_soon": expiring_soon(remote, now, horizon),
        "not_archived": [r for r in remote if not r["archived"]],
        "quotas": quotas,
        "cleanup": cleanup,
        "callback_ledger": callback_ledger,
    }


def render_markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Vendor housekeeping, {report['generated_at'][:16].replace('T', ' ')} UTC",
        "",
        f"Run `{report['run_id']}`; {report['manifests_read']} manifests read, "
        f"{report['archived_jobs']} vendor jobs archived; horizon {report['horizon_hours']:g} h.",
        "",
        "## Not archived, vendor link ending soon",
        "",
    ]
    soon = report["expiring_soon"]
    if soon:
        lines += [
            "| vendor | result | job | name | made | link ends | file kept until |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in soon:
            lines.append(
                f"| {r['vendor']} | {r['kind']} | `{r['job_id']}` | {r.get('name') or ''} "
                f"| {r.get('made_at') or '?'} | {r.get('link_expires_at') or 'unknown'} "
                f"| {r.get('file_kept_until') or ''} |"
            )
    else:
        lines.append("Nothing: every result a vendor still holds is archived or has time left.")
    lines += ["", "## Vendors", ""]
    for vendor in report["vendors"]:
        detail = vendor.get("error") or vendor.get("reason") or f"{vendor.get('checked', 0)} results checked"
        lines.append(f"- **{vendor['vendor']}**: {vendor['status']} ({detail})")
    lines += ["", "## Quota", ""]
    for quota in report["quotas"]:
        if "left" in quota:
            lines.append(
                f"- **{quota['vendor']}**: {quota['left']:g} of {quota['limit']:g} left "
                f"({quota['left_share']:.0%}){' - LOW' if quota['status'] == 'low' else ''}; {quota['note']}"
            )
        else:
            lines.append(f"- **{quota['vendor']}**: {quota['status']} ({quota.get('note', '')})")
    if report["cleanup"] is not None:
        lines += ["", "## Remote talking-head videos deleted", ""]
        for item in report["cleanup"]["deleted"]:
            lines.append(f"- deleted `{item['job_id']}` (archived in {item['manifest']})")
        for item in report["cleanup"]["kept"]:
            lines.append(f"- kept `{item['job_id']}`: {item['reason']}")
        if not report["cleanup"]["deleted"] and not report["cleanup"]["kept"]:
            lines.append("- none to delete")
    if (ledger := report.get("callback_ledger")) is not None:
        lines += [
            "",
            "## Callback ledger",
            "",
            f"- {ledger['deleted']} entries older than {ledger['max_age_hours']:g} h deleted, "
            f"{ledger['kept']} kept, {ledger['stamped']} of unknown age stamped",
        ]
    if report["unreadable_manifests"]:
        lines += ["", "## Unreadable manifests", ""]
        lines += [f"- {item['manifest']}: {item['error']}" for item in report["unreadable_manifests"]]
    return "\n".join(lines) + "\n"


def summary_line(report: dict[str, Any]) -> str:
    soon = report["expiring_soon"]
    parts = [
        f"{len(soon)} result(s) not archived with links ending within {report['horizon_hours']:g} h"
        + (": " + ", ".join(f"{r['vendor']} {r['job_id']}" for r in soon[:10]) if soon else ""),
        f"{len(report['not_archived'])} not archived in all",
    ]
    for quota in report["quotas"]:
        if "left" in quota:
            parts.append(f"{quota['vendor']} quota {quota['left']:g}/{quota['limit']:g} ({quota['status']})")
    if report["cleanup"] is not None:
        parts.append(f"{len(report['cleanup']['deleted'])} remote talking-head video(s) deleted")
    return "; ".join(parts)


def write_report(location: str, report: dict[str, Any]) -> dict[str, str]:
    """`<location>/housekeeping/<date>_<run id>.md` (for people) and `.json` (for programs)."""
    folder = as_storage_path(location) / REPORT_FOLDER
    stem = f"{report['generated_at'][:10]}_{safe_path_part(report['run_id'])}"
    markdown: StoredFile = write_bytes(
        folder / f"{stem}.md", render_markdown(report).encode(), "text/markdown"
    )
    data = (json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n").encode()
    document: StoredFile = write_bytes(folder / f"{stem}.json", data, "application/json")
    return {"markdown": markdown.uri, "json": document.uri}
