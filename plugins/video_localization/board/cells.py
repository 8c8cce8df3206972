"""A run as the board shows it: languages x deliverables, each cell with a status a producer understands.

Pure functions over what `/api/v2` answered (the run, its task instances, a few XComs, the reasons
found in failed tasks' logs, the approvals) and the run's manifest, so the rules can be tested without
a server. The manifest, once written, is the record of what was delivered; before that (and for a run
that failed before writing one) the task instances tell where each language stands: the task's map
index is the language (its rendered map index once it ran, the plan's order before).

Cell statuses: `delivered`, `vendor` (waiting at the vendor, with its status word), `review` (waiting
for a person's approval), `working` (a task runs here: upload, download, conversion), `queued`,
`failed` (with the reason), `rejected` (with who and when), `moved` (fallback to another vendor),
`skipped` (nothing to make: the language was not delivered), `planned` (nothing started yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, urlparse

from video_localization.board.manifest import (
    DELIVERED,
    FAILED,
    MOVED,
    REJECTED,
    ManifestFile,
    RunManifest,
    caption_format_of,
    relative_to_run,
)
from video_localization.core.storage import as_storage_path

LOCALIZE, TALKING_HEAD = "localize_video", "talking_head_video"
BOARD_DAGS = (LOCALIZE, TALKING_HEAD)

#: `localize_video`'s routed graph (issue 15): the same per-language steps whatever the vendor, one
#: prepare per vendor group (mapped by vendor), one captions task per language (every format).
ROUTED_CHAIN = ("language.review", "language.dub", "language.deliver")
ROUTED_SHARED = ("plan", "vendor_groups", "languages")
PREPARE_STEP = "prepare"
CAPTIONS_STEP = "captions"
#: The routed graph's modes (`plan["mode"]`) besides one chosen vendor: a run that may span vendors.
ROUTED_MODES = ("auto", "compare")

#: Runs made before the routed graph: each vendor's branch, in order (mapped, one map index per language).
VIDEO_CHAINS: dict[str, tuple[str, ...]] = {
    "panjaya": ("localize_language.review", "localize_language.generate", "localize_language.download"),
    "akool": ("akool_download",),
    "blendvision": ("blendvision_dub", "blendvision_download"),
    "cdnvideo": ("per_locale.generate", "per_locale.download"),
}
#: Steps done once for all languages before the per-language ones (their state is every language's).
SHARED_STEPS: dict[str, tuple[str, ...]] = {
    "panjaya": ("plan", "create_asset", "language_jobs"),
    "akool": ("plan", "akool_translate", "akool_jobs"),
    "blendvision": ("plan", "blendvision_upload", "blendvision_targets"),
    "cdnvideo": ("plan", "locale_jobs"),
}
#: Mapped tasks whose map index follows the plan's language order (before their map index is rendered).
PLAN_ORDERED = {
    *ROUTED_CHAIN,
    "localize_language.review",
    "localize_language.generate",
    "localize_language.download",
    "akool_download",
    "blendvision_dub",
    "per_locale.generate",
    "per_locale.download",
}
#: The step whose success means the language's video is saved, and the one whose XCom names it.
DOWNLOAD_STEPS = {ROUTED_CHAIN[-1], *(chain[-1] for chain in VIDEO_CHAINS.values())}
REVIEW_STEPS = (ROUTED_CHAIN[0], "localize_language.review")
#: Caption steps: mapped per "<locale> <format>" (conversions, Rev downloads) or per locale (Rev orders,
#: and the routed graph's captions task, which makes every format of its language).
CAPTION_FORMAT_STEPS = ("convert_captions", "rev_caption_download")
CAPTION_ORDER_STEP = "rev_caption_order"
CAPTION_LANGUAGE_STEPS = (CAPTION_ORDER_STEP, CAPTIONS_STEP)
#: XComs pushed before a wait that name the vendor's job (ids only, never links with signatures). A dub
#: step runs the vendor's operator inside its own task instance, so BlendVision's key lands on it.
JOB_ID_XCOMS = {"blendvision_dub": "job_id", "per_locale.generate": "job_id", "language.dub": "job_id"}
#: Rendered template fields that are vendor job ids.
JOB_ID_FIELDS = ("version_id", "video_model_id", "job_id", "order_number")
#: Where Panjaya's generate step pushes the version's studio URL (its own task, or the dub step).
STUDIO_URL_STEPS, STUDIO_URL_KEY = ("language.dub", "localize_language.generate"), "studio_url"

WAITING_STATES = {"deferred", "up_for_reschedule"}
REVIEW_STATES = {"deferred", "awaiting_input", "running"}
QUEUED_STATES = {None, "none", "scheduled", "queued", "up_for_retry", "restarting"}
FINISHED_RUN_STATES = {"success", "failed"}


@dataclass
class Lookups:
    """What the board fetched besides the task instances, keyed by `(task_id, map_index)`."""

    reasons: dict[tuple[str, int], str] = field(default_factory=dict)
    vendor_status: dict[tuple[str, int], tuple[str, float | None]] = field(default_factory=dict)
    results: dict[tuple[str, int], Any] = field(default_factory=dict)  # download/conversion return values
    job_ids: dict[tuple[str, int], str] = field(default_factory=dict)
    studio_urls: dict[int, str] = field(default_factory=dict)
    approvals: list[dict[str, Any]] = field(default_factory=list)


# -- which run, which languages ----------------------------------------------------------------------
def is_routed(tis: list[dict[str, Any]]) -> bool:
    """Whether a `localize_video` run is of the routed graph (its steps are the same for every vendor)."""
    return any(ti["task_id"] in (*ROUTED_CHAIN, PREPARE_STEP) for ti in tis)


def route_vendors(plan: dict[str, Any] | None) -> dict[str, str]:
    """A routed plan's vendor per language (the first of a comparison's two)."""
    found: dict[str, str] = {}
    for item in (plan or {}).get("routes") or []:
        found.setdefault(str(item.get("locale")), str(item.get("vendor")))
    return found


def run_vendor(dag_id: str, run: dict[str, Any], plan: dict[str, Any] | None) -> str:
    """The run's vendor: the one vendor every language went to, else the routing mode (`auto`, `compare`)."""
    if dag_id == TALKING_HEAD:
        return "cdnvideo"
    if plan and plan.get("vendor"):
        return str(plan["vendor"])
    routed = sorted(set(route_vendors(plan).values()))
    if plan and plan.get("mode") in ROUTED_MODES and (len(routed) != 1 or plan["mode"] == "compare"):
        return str(plan["mode"])
    if routed:
        return routed[0]
    return str((run.get("conf") or {}).get("dubbing_vendor") or "panjaya")


def run_languages(
    dag_id: str, run: dict[str, Any], plan: dict[str, Any] | None, manifest: RunManifest | None
) -> list[str]:
    """Target languages in the order asked: the manifest's, else the plan's, else the conf's."""
    if manifest is not None and manifest.languages:
        return [lang.locale for lang in manifest.languages]
    if plan:
        if dag_id == TALKING_HEAD and plan.get("locales"):
            return list(plan["locales"])
        if plan.get("target_languages"):
            return list(plan["target_languages"])
    conf = run.get("conf") or {}
    if dag_id == TALKING_HEAD:
        return list((conf.get("scripts") or {}).keys())
    return [str(tag) for tag in conf.get("target_languages") or []]


def caption_formats(
    plan: dict[str, Any] | None, manifest: RunManifest | None, run: dict[str, Any]
) -> list[str]:
    if manifest is not None and manifest.caption_formats:
        return list(manifest.caption_formats)
    if plan is not None and "caption_formats" in plan:
        return list(plan.get("caption_formats") or [])
    return [str(fmt) for fmt in (run.get("conf") or {}).get("caption_formats") or []]


def run_title(
    dag_id: str, run: dict[str, Any], plan: dict[str, Any] | None, manifest: RunManifest | None
) -> str:
    """v2's title; else the conf's `title`; else the source file's name or the talking head's video name."""
    conf = run.get("conf") or {}
    if manifest is not None and manifest.title:
        return manifest.title
    if conf.get("title"):
        return str(conf["title"])
    if dag_id == TALKING_HEAD:
        return str(conf.get("video_name") or (plan or {}).get("video_name") or "Talking head")
    source = str(conf.get("source") or (plan or {}).get("source") or "")
    name = PurePosixPath(urlparse(source).path or source).stem
    return name or run.get("dag_run_id", "")


def source_label(
    run: dict[str, Any], plan: dict[str, Any] | None, manifest: RunManifest | None
) -> str | None:
    """Where the source came from, without a query string (a pre-signed URL's signature is a secret)."""
    if manifest is not None and manifest.source:
        return manifest.source
    source = (run.get("conf") or {}).get("source") or (plan or {}).get("source")
    if not source:
        return None
    return str(source).split("?", 1)[0]


def is_number(text: Any) -> bool:
    return isinstance(text, str) and text.strip().lstrip("-").isdigit()


def ti_locale(ti: dict[str, Any], languages: list[str]) -> str | None:
    """The language a mapped task instance works on: its rendered map index, else the plan's order."""
    rendered = ti.get("rendered_map_index")
    index = ti.get("map_index", -1)
    if rendered and not is_number(rendered):
        return str(rendered).split(" ", 1)[0]
    locale = (ti.get("rendered_fields") or {}).get("locale")
    if isinstance(locale, str) and locale:
        return locale
    if ti["task_id"] in PLAN_ORDERED and 0 <= index < len(languages):
        return languages[index]
    return None


def ti_caption_format(ti: dict[str, Any]) -> str | None:
    rendered = ti.get("rendered_map_index")
    if rendered and " " in str(rendered):
        return str(rendered).split(" ", 1)[1]
    return None


# -- what to fetch besides the task instances --------------------------------------------------------
@dataclass(frozen=True)
class Wanted:
    """One extra read for a run: a failed try's log, a waiting task's log, or an XCom."""

    kind: str  # "reason" | "status" | "xcom"
    task_id: str
    map_index: int
    try_number: int = 0
    key: str = "return_value"


def wanted_lookups(
    dag_id: str, run: dict[str, Any], tis: list[dict[str, Any]], manifest: RunManifest | None
) -> list[Wanted]:
    """The logs and XComs a run's cells need (the caller caches those of finished tries)."""
    wanted: list[Wanted] = []
    for ti in tis:
        task_id, index, state = ti["task_id"], ti.get("map_index", -1), ti.get("state")
        # The try is part of every key: a cleared task's next try is read afresh, never from the cache.
        try_number = int(ti.get("try_number") or 0)
        if state == "failed" and try_number:
            wanted.append(Wanted("reason", task_id, index, try_number))
        elif state in WAITING_STATES and try_number and task_id not in REVIEW_STEPS:
            wanted.append(Wanted("status", task_id, index, try_number))
        if (
            manifest is None
            and state == "success"
            and (task_id in DOWNLOAD_STEPS or task_id in (*CAPTION_FORMAT_STEPS, CAPTIONS_STEP))
        ):
            wanted.append(Wanted("xcom", task_id, index, try_number))
        if task_id in JOB_ID_XCOMS and state in WAITING_STATES | {"success", "failed", "running"}:
            wanted.append(Wanted("xcom", task_id, index, try_number, key=JOB_ID_XCOMS[task_id]))
        if task_id in STUDIO_URL_STEPS and state not in QUEUED_STATES and state != "skipped":
            wanted.append(Wanted("xcom", task_id, index, try_number, key=STUDIO_URL_KEY))
    return wanted


def reason_from_log(events: list[dict[str, Any]]) -> str | None:
    """The exception that failed a try, in the task's own words (the last error line's exception value)."""
    for event in reversed(events):
        for detail in reversed(event.get("error_detail") or []):
            if isinstance(detail, dict) and detail.get("exc_value"):
                return f"{detail['exc_value']}"
        if event.get("level") in ("error", "critical") and event.get("event"):
            text = str(event["event"])
            if text not in ("Task failed with exception",):
                return text
    return None


# -- cells ------------------------------------------------------------------------------------------
def ui_task_url(dag_id: str, run_id: str, task_id: str, map_index: int, suffix: str = "") -> str:
    """A task instance's page in Airflow's UI, relative to the UI's base (links stay inside the UI)."""
    url = f"dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}/tasks/{quote(task_id, safe='')}"
    if map_index >= 0:
        url += f"/mapped/{map_index}"
    return url + suffix


def file_url(dag_id: str, run_id: str, path: str) -> str:
    return f"vloc-board/files/{quote(dag_id, safe='')}/{quote(run_id, safe='')}/{quote(path)}"


def file_entry(dag_id: str, run_id: str, item: ManifestFile) -> dict[str, Any]:
    name = PurePosixPath(item.path).name if item.path else None
    return {
        "kind": item.kind,
        "format": item.format,
        "name": name,
        "path": item.path,
        "bytes": item.bytes,
        "sha256": item.sha256,
        "url": file_url(dag_id, run_id, item.path) if item.path else None,
    }


def stored_files(result: Any, run_folder: str | None, kind: str | None = None) -> list[ManifestFile]:
    """A download's or conversion's returned `files` (StoredFile dicts) as manifest files."""
    files = []
    for stored in (result or {}).get("files") or [] if isinstance(result, dict) else []:
        name = str(stored.get("name") or "")
        fmt = caption_format_of(name)
        files.append(
            ManifestFile(
                kind=kind or ("subtitles" if fmt else "video"),
                format=fmt or name.rsplit(".", 1)[-1].lower(),
                path=relative_to_run(str(as_storage_path(str(stored.get("uri", "")))), run_folder)
                if run_folder and stored.get("uri")
                else None,
                bytes=stored.get("size_bytes"),
                sha256=stored.get("sha256"),
            )
        )
    return files


def _approval_words(approvals: list[dict[str, Any]], map_index: int) -> str | None:
    for detail in approvals:
        ti = detail.get("task_instance") or {}
        if ti.get("task_id") not in REVIEW_STEPS or ti.get("map_index") != map_index:
            continue
        user = (detail.get("responded_by_user") or {}).get("name") or "a reviewer"
        when = str(detail.get("responded_at") or "")[:16].replace("T", " ")
        chosen = ", ".join(detail.get("chosen_options") or []) or "rejected"
        return f"{chosen} by {user}" + (f" at {when} UTC" if when else "")
    return None


LABELS = {
    "delivered": "Delivered",
    "vendor": "At the vendor",
    "review": "Waiting for review",
    "working": "Working",
    "queued": "Queued",
    "failed": "Failed",
    "rejected": "Rejected",
    "moved": "Moved",
    "skipped": "Not made",
    "planned": "Planned",
}


def no_reason(task_id: str) -> str:
    """A failure whose try logged no exception (its process was lost): say so, and where to look."""
    return f"{task_id} failed without an error in its log (its process ended); see the task log"


def cell(status: str, **extra: Any) -> dict[str, Any]:
    return {"status": status, "label": LABELS[status], **extra}


def _video_cell_from_tasks(
    ctx: RunContext, locale: str, chain_tis: list[dict[str, Any]], shared: list[dict[str, Any]]
) -> dict[str, Any]:
    by_task = {ti["task_id"]: ti for ti in chain_tis}
    for ti in chain_tis:
        if ti.get("state") == "failed":
            key = (ti["task_id"], ti["map_index"])
            reason = ctx.lookups.reasons.get(key) or no_reason(ti["task_id"])
            return cell("failed", reason=reason, task_url=ctx.task_url(ti))
    review = next((by_task[step] for step in REVIEW_STEPS if step in by_task), None)
    if review is not None and review.get("state") == "success":
        later = [by_task.get(step) for step in ctx.chain[1:]]
        if any(ti is not None and ti.get("state") == "skipped" for ti in later):
            words = _approval_words(ctx.lookups.approvals, review["map_index"]) or "rejected in review"
            return cell("rejected", reason=words, task_url=ctx.task_url(review))
    if review is not None and review.get("state") in REVIEW_STATES and review.get("try_number"):
        return cell(
            "review",
            approval_url=ui_task_url(
                ctx.dag_id, ctx.run_id, review["task_id"], review["map_index"], "/required_actions"
            ),
            task_url=ctx.task_url(review),
        )
    download = by_task.get(ctx.chain[-1]) if ctx.chain else None
    if download is not None and download.get("state") == "success":
        files = stored_files(
            ctx.lookups.results.get((download["task_id"], download["map_index"])), ctx.run_folder
        )
        return cell("delivered", files=files)
    for ti in chain_tis:
        if ti.get("state") == "upstream_failed":
            failed = next((s for s in shared if s.get("state") == "failed"), None)
            if failed is not None:
                reason = ctx.lookups.reasons.get((failed["task_id"], failed["map_index"]))
                return cell(
                    "failed", reason=reason or no_reason(failed["task_id"]), task_url=ctx.task_url(failed)
                )
            return cell("failed", reason="an earlier step of this language failed")
        if ti.get("state") in WAITING_STATES:
            word, progress = ctx.lookups.vendor_status.get((ti["task_id"], ti["map_index"]), (None, None))
            return cell("vendor", vendor_status=word, progress=progress, task_url=ctx.task_url(ti))
    for ti in reversed(chain_tis):
        if ti.get("state") == "running":
            step = "downloading" if ti["task_id"] == ctx.chain[-1] else "submitting"
            return cell("working", step=step, task_url=ctx.task_url(ti))
    if any(ti.get("state") == "skipped" for ti in chain_tis) and not any(
        ti.get("state") in QUEUED_STATES for ti in chain_tis
    ):
        return cell("skipped", reason="skipped")
    for ti in shared:
        state = ti.get("state")
        if state == "failed":
            reason = ctx.lookups.reasons.get((ti["task_id"], ti["map_index"])) or no_reason(ti["task_id"])
            return cell("failed", reason=reason, task_url=ctx.task_url(ti))
        if state in WAITING_STATES:
            word, progress = ctx.lookups.vendor_status.get((ti["task_id"], ti["map_index"]), (None, None))
            return cell(
                "vendor", vendor_status=word, progress=progress, step="preparing", task_url=ctx.task_url(ti)
            )
        if state == "running":
            return cell("working", step="preparing", task_url=ctx.task_url(ti))
    if ctx.run_state in FINISHED_RUN_STATES:
        return cell("skipped", reason="the run ended before this language was made")
    if any(ti.get("state") not in QUEUED_STATES for ti in chain_tis + shared):
        return cell("queued")
    return cell("planned")


@dataclass
class RunContext:
    dag_id: str
    run_id: str
    run_state: str
    vendor: str
    chain: tuple[str, ...]
    run_folder: str | None
    lookups: Lookups

    def task_url(self, ti: dict[str, Any]) -> str:
        return ui_task_url(self.dag_id, self.run_id, ti["task_id"], ti.get("map_index", -1))


def _caption_cell(
    ctx: RunContext,
    locale: str,
    fmt: str,
    files: list[ManifestFile],
    caption_tis: list[dict[str, Any]],
    video: dict[str, Any],
) -> dict[str, Any]:
    made = [f for f in files if f.kind == "captions" and f.format == fmt]
    if made:
        return cell("delivered", files=made)
    for ti in caption_tis:
        if ti_caption_format(ti) != fmt and ti["task_id"] not in CAPTION_LANGUAGE_STEPS:
            continue
        state = ti.get("state")
        key = (ti["task_id"], ti["map_index"])
        if state == "failed":
            return cell(
                "failed",
                reason=ctx.lookups.reasons.get(key) or no_reason(ti["task_id"]),
                task_url=ctx.task_url(ti),
            )
        if state == "success" and ti["task_id"] in (*CAPTION_FORMAT_STEPS, CAPTIONS_STEP):
            found = [f for f in stored_files(ctx.lookups.results.get(key), ctx.run_folder, "captions")]
            return cell("delivered", files=[f for f in found if f.format == fmt] or found)
        if state in WAITING_STATES:
            word, progress = ctx.lookups.vendor_status.get(key, (None, None))
            return cell(
                "vendor", vendor="rev", vendor_status=word, progress=progress, task_url=ctx.task_url(ti)
            )
        if state == "running":
            return cell("working", step="converting", task_url=ctx.task_url(ti))
    if video["status"] in ("failed", "rejected", "skipped", "moved"):
        return cell("skipped", reason="no dubbed video to caption")
    if ctx.run_state in FINISHED_RUN_STATES:
        return cell("skipped", reason="not made in this run")
    return cell("queued" if video["status"] == "delivered" else "planned")


def _job_ids(ctx: RunContext, chain_tis: list[dict[str, Any]]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for ti in chain_tis:
        fields = ti.get("rendered_fields") or {}
        job = fields.get("job")  # the routed graph's steps: the ids prepare answered for the language
        named = {**(job.get("ids") or {}), **fields} if isinstance(job, dict) else fields
        for name in JOB_ID_FIELDS:
            value = named.get(name)
            if isinstance(value, str) and value:
                ids[name] = value
        found = ctx.lookups.job_ids.get((ti["task_id"], ti["map_index"]))
        if found:
            ids["job_id"] = found
    return ids


def _finish_files(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """A cell's manifest files as entries the page can link to (name, size, SHA-256, download URL)."""
    files = [file_entry(ctx.dag_id, ctx.run_id, f) for f in data.pop("files", [])]
    if files:
        data["files"] = files
    return data


def build_row(
    dag_id: str,
    run: dict[str, Any],
    tis: list[dict[str, Any]],
    plan: dict[str, Any] | None,
    manifest: RunManifest | None,
    run_folder: str | None,
    lookups: Lookups,
) -> dict[str, Any]:
    """One board row: the run's facts and its languages x deliverables matrix."""
    run_id = run["dag_run_id"]
    vendor = run_vendor(dag_id, run, plan)
    languages = run_languages(dag_id, run, plan, manifest)
    formats = caption_formats(plan, manifest, run) if dag_id == LOCALIZE else []
    routed = dag_id == LOCALIZE and is_routed(tis)
    chain = ROUTED_CHAIN if routed else VIDEO_CHAINS.get(vendor, ())
    ctx = RunContext(dag_id, run_id, str(run.get("state")), vendor, chain, run_folder, lookups)
    vendor_of = route_vendors(plan)
    by_locale: dict[str, list[dict[str, Any]]] = {}
    captions_by_locale: dict[str, list[dict[str, Any]]] = {}
    for ti in tis:
        if ti.get("map_index", -1) < 0 and ti["task_id"] not in (
            *CAPTION_FORMAT_STEPS,
            *CAPTION_LANGUAGE_STEPS,
        ):
            continue
        locale = ti_locale(ti, languages)
        if locale is None:
            continue
        if ti["task_id"] in ctx.chain:
            by_locale.setdefault(locale, []).append(ti)
        elif ti["task_id"] in CAPTION_FORMAT_STEPS or ti["task_id"] in CAPTION_LANGUAGE_STEPS:
            captions_by_locale.setdefault(locale, []).append(ti)
    shared_steps = ROUTED_SHARED if routed else SHARED_STEPS.get(vendor, ())
    shared = [ti for ti in tis if ti["task_id"] in shared_steps and ti.get("map_index", -1) < 0]
    # The routed graph prepares once per vendor group (mapped by vendor): a language waits on its own.
    prepares = [ti for ti in tis if routed and ti["task_id"] == PREPARE_STEP]
    order = {step: i for i, step in enumerate(ctx.chain)}
    rows = []
    for locale in languages:
        chain_tis = sorted(by_locale.get(locale, []), key=lambda ti: order[ti["task_id"]])
        own_prepare = [ti for ti in prepares if ti.get("rendered_map_index") in (vendor_of.get(locale), None)]
        entry = manifest.language(locale) if manifest is not None else None
        files: list[ManifestFile] = list(entry.files) if entry is not None else []
        if entry is not None and entry.status == DELIVERED:
            video = cell("delivered", files=[f for f in files if f.kind == "video"])
        elif entry is not None and entry.status == MOVED:  # v2: delivered by a fallback vendor, or on its way
            video = cell(MOVED, reason=entry.reason, files=[f for f in files if f.kind == "video"])
            if not video["files"]:
                video.pop("files")
        elif entry is not None and entry.status in (FAILED, REJECTED):
            video = cell(entry.status, reason=entry.reason)
        else:
            video = _video_cell_from_tasks(ctx, locale, chain_tis, shared + (own_prepare or prepares))
            files += [f for f in video.get("files", []) if f.kind != "video"]
            video["files"] = (
                [f for f in video.get("files", []) if f.kind == "video"] if "files" in video else []
            )
            if not video["files"]:
                video.pop("files")
        job_ids = dict(entry.job_ids) if entry is not None and entry.job_ids else _job_ids(ctx, chain_tis)
        generate = next((ti for ti in chain_tis if ti["task_id"] in STUDIO_URL_STEPS), None)
        vendor_url = lookups.studio_urls.get(generate["map_index"]) if generate is not None else None
        subtitles = [f for f in files if f.kind in ("captions", "subtitles")]
        caption_cells = {
            fmt: _finish_files(
                ctx, _caption_cell(ctx, locale, fmt, files, captions_by_locale.get(locale, []), video)
            )
            for fmt in formats
        }
        player = None
        movie = (
            video["files"][0] if video["status"] in ("delivered", "moved") and video.get("files") else None
        )
        if movie is not None and movie.path:
            track = _track_source(subtitles)
            player = {
                "video_url": file_url(dag_id, run_id, movie.path),
                "track_url": _track_url(dag_id, run_id, track, locale) if track else None,
            }
        rows.append(
            {
                "locale": locale,
                "vendor": (
                    entry.vendor if entry is not None and entry.vendor else vendor_of.get(locale, vendor)
                ),
                "job_ids": job_ids,
                "vendor_url": vendor_url,
                "attempts": entry.attempts if entry is not None else [],
                "video": _finish_files(ctx, video),
                "captions": caption_cells,
                "other_files": [
                    file_entry(dag_id, run_id, f)
                    for f in files
                    if f.kind == "subtitles" or (f.kind == "captions" and f.format not in formats)
                ],
                "player": player,
            }
        )
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "title": run_title(dag_id, run, plan, manifest),
        "source": source_label(run, plan, manifest),
        "requested_by": run.get("triggering_user_name") or run.get("triggered_by"),
        "started": run.get("start_date") or run.get("queued_at"),
        "ended": run.get("end_date"),
        "state": run.get("state"),
        "vendor": vendor,
        "manifest_version": manifest.schema_version if manifest is not None else None,
        "formats": formats,
        "languages": rows,
        "run_url": f"dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}",
    }


def _track_source(subtitles: list[ManifestFile]) -> ManifestFile | None:
    """The captions to draw over the video: a delivered WebVTT, else an SRT converted on the fly."""
    for kind in ("captions", "subtitles"):
        for wanted in ("WebVtt", "SubRip", "FacebookSubRip"):
            for item in subtitles:
                if item.kind == kind and item.format == wanted and item.path:
                    return item
    return None


def _track_url(dag_id: str, run_id: str, item: ManifestFile, locale: str) -> str:
    url = file_url(dag_id, run_id, item.path or "")
    if item.format == "WebVtt":
        return url
    return url + f"?as=vtt&locale={quote(locale)}"
