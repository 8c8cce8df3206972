"""The `localize_video` pipeline's logic: the plan (validation and routing), the per-language jobs, captions
jobs and the manifest (schema v2).

Kept out of `dags/` so the DAG file is wiring only, and so the same plan validates a request from the UI
form, the REST API or a scheduled intake the same way, before anything is paid for. `build_plan` is the one
function the DAG's `plan` task calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from video_localization.core import secret_source
from video_localization.core.captions.validation import SOURCE_LOCAL, SOURCE_REV, validate_caption_request
from video_localization.core.dubbing import DUBBING_VENDORS, DubRequest, dubbing_vendor
from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.core.languages import language_name, normalize_tag
from video_localization.core.mp4 import probe_mp4_file
from video_localization.core.run_connections import (
    NeededConnection,
    check_connection,
    notify_connection,
    vendor_connection,
)
from video_localization.core.sources import check_source as _check_source
from video_localization.core.storage import StoredFile, as_storage_path
from video_localization.core.trust import check_output_location
from video_localization.core.validation import Checks
from video_localization.pipelines import manifest as manifests
from video_localization.pipelines import naming
from video_localization.pipelines.conf_keys import check_known_keys
from video_localization.pipelines.localize_form import (
    AUTO,
    SOURCE_HELP,
    STORAGE_SCHEMES,
    default_output_location,
    default_source,
    params,
)
from video_localization.pipelines.results import as_result_list
from video_localization.pipelines.routing import Route, route, route_text

__all__ = ["build_plan", "default_output_location", "default_source", "params"]

#: Where captions come from: the dubbing vendor's SRT converted here, or Rev.
CAPTIONS_SOURCES = {"dubbing": SOURCE_LOCAL, "rev": SOURCE_REV}
#: Options of one vendor only, with the values that mean "not asked for". Set for a run in which that
#: vendor dubs nothing, they are ignored with a warning (in the plan and the manifest), whatever the
#: routing mode: one rule, so a form filled for "auto" stays valid when a vendor is chosen.
TUNING_OPTIONS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "lips_model": ("panjaya", (None, "", "real_face")),
    "voice_anonymization": ("panjaya", (None, "", 0, 0.0)),
    "speakers_count": ("panjaya", (None, "")),
    "face_enhance": ("akool", (None, False)),
}


def check_source(source: str) -> dict[str, str]:
    """Classify the source: `url` (fetched by the vendor, or by us for BlendVision; a public host; a signed
    one is kept as a reference to the run's conf) or `path` (we stream it: a video file under the source
    roots)."""
    return _check_source("source", source, STORAGE_SCHEMES, SOURCE_HELP)


def check_interval_in_media(source: dict[str, str] | None, start: Any, end: Any) -> None:
    """start/end within a file source's length: Panjaya and BlendVision refuse an interval past the end
    (after the upload), so it is refused here. An http(s) source cannot be measured without fetching it."""
    if source is None or source["kind"] != "path" or (start in (None, "") and end in (None, "")):
        return
    with as_storage_path(source["source"]).open("rb") as stream:
        facts = probe_mp4_file(stream)
    if facts is None or facts.duration_seconds <= 0:
        return  # not an MP4 we can read: the vendor judges it
    length = facts.duration_seconds
    checks = Checks()
    if start not in (None, "") and float(start) >= length:
        allowed = f"seconds below {length:g} (the source video's length)"
        checks.add(InvalidInputError("start_time", start, allowed, "past the end of the video"))
    if end not in (None, "") and float(end) > length:
        allowed = f"seconds up to {length:g} (the source video's length)"
        checks.add(InvalidInputError("end_time", end, allowed, "past the end of the video"))
    checks.raise_if_any()


def _targets(conf: Mapping[str, Any], source_language: str | None) -> list[str]:
    raw = conf.get("target_languages") or []
    if isinstance(raw, str):
        raw = [raw]
    if not raw:
        raise InvalidInputError("target_languages", raw, "at least one language", "empty")
    checks = Checks()
    tags: list[str] = []
    for value in raw:
        tag = normalize_tag(str(value))
        if tag in tags:
            checks.add(InvalidInputError("target_languages", value, "each language once", "listed twice"))
        elif source_language and tag == source_language:
            checks.add(
                InvalidInputError(
                    "target_languages", value, "languages other than the source", "same as the source"
                )
            )
        else:
            tags.append(tag)
    checks.raise_if_any()
    return tags


def _vendor_choice(conf: Mapping[str, Any]) -> tuple[str, list[str], list[str]]:
    """(dubbing_vendor, preference order, compare_vendors), each checked."""
    checks = Checks()
    choice = conf.get("dubbing_vendor") or AUTO
    if choice not in (AUTO, *DUBBING_VENDORS):
        checks.add(InvalidInputError("dubbing_vendor", choice, [AUTO, *DUBBING_VENDORS]))
    preference = list(conf.get("vendor_preference") or DUBBING_VENDORS)
    for vendor in preference:
        if vendor not in DUBBING_VENDORS:
            checks.add(InvalidInputError("vendor_preference", vendor, DUBBING_VENDORS))
    compare = list(conf.get("compare_vendors") or [])
    if compare:
        unknown = [vendor for vendor in compare if vendor not in DUBBING_VENDORS]
        if unknown or len(set(compare)) != 2 or len(compare) != 2:
            checks.add(
                InvalidInputError(
                    "compare_vendors", compare, f"two different vendors of {', '.join(DUBBING_VENDORS)}"
                )
            )
        if conf.get("fallback"):
            checks.add(
                InvalidInputError(
                    "fallback",
                    True,
                    "false when comparing vendors",
                    "a comparison dubs each language at both vendors; moving one would spoil it",
                )
            )
    checks.raise_if_any()
    return choice, preference, compare


def _plan_captions(
    conf: Mapping[str, Any], source_language: str | None, targets: list[str]
) -> dict[str, Any]:
    formats = conf.get("caption_formats") or []
    chosen = conf.get("captions_source") or "dubbing"
    if chosen not in CAPTIONS_SOURCES:
        raise InvalidInputError("captions_source", chosen, list(CAPTIONS_SOURCES))
    if not formats:
        if conf.get("burned_in_captions"):
            raise InvalidInputError("burned_in_captions", True, "false unless caption_formats are asked for")
        return {"caption_formats": [], "captions_source": chosen, "caption_locales": [], "burned_in": False}
    if conf.get("burned_in_captions") and chosen != "rev":
        raise InvalidInputError("burned_in_captions", True, "false unless captions_source is 'rev'")
    locales = [source_language, *targets] if source_language else []
    request = validate_caption_request(
        formats, locales, CAPTIONS_SOURCES[chosen], source_field="captions_source"
    )
    return {
        "caption_formats": request["formats"],
        "captions_source": chosen,
        "caption_locales": request["locales"],
        "burned_in": bool(conf.get("burned_in_captions")),
    }


def _vendor_options(
    request: DubRequest, routes: list[Route], checks: Checks, warnings: list[str]
) -> dict[str, dict[str, Any]]:
    """Each routed vendor's options, checked for its languages; a fallback-only vendor whose options do
    not fit is dropped from the fallbacks (with a warning) instead of failing the plan."""
    primary: dict[str, list[str]] = {}
    backup: dict[str, list[str]] = {}
    for item in routes:
        primary.setdefault(item.vendor, []).append(item.locale)
        for vendor in item.fallbacks:
            backup.setdefault(vendor, []).append(item.locale)
    options: dict[str, dict[str, Any]] = {}
    for vendor, locales in primary.items():
        wanted = sorted(set(locales) | set(backup.get(vendor, [])), key=[i.locale for i in routes].index)
        result = checks.run(dubbing_vendor(vendor).plan_options, request, wanted)
        if result is not None:
            options[vendor] = result
    for vendor, locales in backup.items():
        if vendor in primary:
            continue
        try:
            options[vendor] = dubbing_vendor(vendor).plan_options(request, locales)
        except (InvalidInputError, InvalidInputs) as error:
            warnings.append(f"{vendor} cannot take over {', '.join(locales)} with these options: {error}")
            for item in routes:
                if vendor in item.fallbacks:
                    item.fallbacks.remove(vendor)
    return options


def _ignored_options(conf: Mapping[str, Any], vendors: set[str]) -> list[str]:
    warnings = []
    for field, (vendor, neutral) in TUNING_OPTIONS.items():
        value = conf.get(field)
        if vendor not in vendors and not any(value is n or value == n for n in neutral):
            warnings.append(
                f"{field}={value!r} ignored: it is a {vendor} option and {vendor} dubs nothing in this run"
            )
    return warnings


def _run_folder(output: str, title: str, run_id: str, when: datetime) -> str:
    """`<date>-<title>`; with a short id added when that folder already holds another run's manifest."""
    folder = naming.run_folder(title, run_id, when)
    existing = as_storage_path(output) / folder / manifests.MANIFEST_NAME
    taken = False
    try:
        if existing.is_file():
            import json

            taken = json.loads(existing.read_text()).get("run_id") != run_id
    except (OSError, ValueError):
        taken = True
    return naming.run_folder(title, run_id, when, taken=taken)


def _connections(
    conf: Mapping[str, Any], routes: list[Route], captions: Mapping[str, Any] | None
) -> list[NeededConnection]:
    """Every connection the run may use: each routed vendor's (and its fallbacks'), Rev's for Rev captions,
    the notify one."""
    vendors: list[str] = []
    for item in routes:
        for vendor in (item.vendor, *item.fallbacks):
            if vendor not in vendors:
                vendors.append(vendor)
    needed = [vendor_connection("dubbing_vendor", vendor, vendor) for vendor in vendors]
    if captions and captions["caption_formats"] and captions["captions_source"] == "rev":
        needed.append(vendor_connection("captions_source", "rev", "rev"))
    if conf.get("notify_conn_id"):
        needed.append(notify_connection("notify_conn_id", str(conf["notify_conn_id"])))
    return needed


def build_plan(conf: Mapping[str, Any], run_id: str, when: datetime | None = None) -> dict[str, Any]:
    """Validate a whole request and route its languages (no vendor call); answer the small dict every later
    step reads. Every problem of the request is reported at once."""
    conf = dict(conf)
    checks = Checks()
    warnings: list[str] = []
    source = checks.run(check_source, conf.get("source"))
    choice_parts = checks.run(_vendor_choice, conf)
    source_language = normalize_tag(str(conf.get("source_language") or "")) or None
    if source_language is None:
        checks.add(
            InvalidInputError("source_language", conf.get("source_language"), "a language tag such as en-US")
        )
    targets = checks.run(_targets, conf, source_language) or []
    captions = checks.run(_plan_captions, conf, source_language, targets)
    with checks.field():
        check_interval_in_media(source, conf.get("start_time"), conf.get("end_time"))
    routes: list[Route] = []
    options: dict[str, dict[str, Any]] = {}
    if choice_parts is not None and source_language and targets and captions is not None:
        choice, preference, compare = choice_parts
        # A bad source (already reported) gets a stand-in, so the languages are still checked and routed.
        usable = source or {"source": "https://source.invalid/", "kind": "url"}
        request = DubRequest(
            source=usable.get("url") or usable["source"],  # a signed URL's original, for checks only
            source_kind=usable["kind"],
            source_language=source_language,
            review=bool(conf.get("review")),
            lipsync=bool(conf.get("lipsync")),
            interval=conf.get("start_time") not in (None, "") or conf.get("end_time") not in (None, ""),
            subtitles=bool(captions["caption_formats"]) and captions["captions_source"] == "dubbing",
            conf=conf,
        )
        try:
            routes = route(request, targets, choice, preference, compare)
        except InvalidInputError as refused:
            checks.add(refused)
            # Route what can be routed, so the options of those vendors are still checked in this pass.
            takeable = [tag for tag in targets if tag not in refused.value]
            routes = checks.run(route, request, takeable, choice, preference, compare) if takeable else None
            routes = routes or []
        options = _vendor_options(request, routes, checks, warnings)
        warnings += _ignored_options(conf, {item.vendor for item in routes})
    output_location = checks.run(
        check_output_location, "output_location", conf.get("output_location") or default_output_location()
    )
    check_known_keys(conf, params(), checks)
    if not checks.errors:  # connections last: a request that is wrong anyway is not looked up
        for needed in _connections(conf, routes, captions):
            checks.run(check_connection, needed)
    checks.raise_if_any()
    assert output_location is not None
    assert source is not None and choice_parts is not None and captions is not None
    choice, preference, compare = choice_parts
    shown_source = secret_source.shown(source["source"])
    title = naming.title_of(conf.get("title"), shown_source, naming.short_id(run_id))
    when = when or datetime.now(UTC)
    folder = _run_folder(output_location, title, run_id, when)
    run_dir = str(as_storage_path(output_location) / folder)
    groups: dict[str, list[str]] = {}
    for item in routes:
        groups.setdefault(item.vendor, []).append(item.locale)
    return {
        "title": title,
        "slug": naming.slug(title) or naming.short_id(run_id),
        "run_folder": folder,
        "run_dir": run_dir,
        "source": source["source"],
        "source_kind": source["kind"],
        "source_language": source_language,
        "target_languages": targets,
        "mode": "compare" if compare else choice,
        "vendor_preference": preference,
        "fallback": bool(conf.get("fallback")),
        "compare_vendors": compare,
        "routes": [{"locale": i.locale, "vendor": i.vendor, "fallbacks": i.fallbacks} for i in routes],
        "route_text": route_text(routes),
        "groups": [{"vendor": vendor, "locales": locales} for vendor, locales in groups.items()],
        "options": options,
        "review": bool(conf.get("review")),
        **captions,
        "warnings": warnings,
        "planned_at": datetime.now(UTC).isoformat(),
    }


# -- per vendor group and per language ---------------------------------------------------------------
def output_dir(plan: Mapping[str, Any], locale: str) -> str:
    return str(as_storage_path(plan["run_dir"]) / locale)


def vendor_groups(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One prepare per vendor group: the vendor, its languages and what it needs of the source."""
    base = {key: plan[key] for key in ("source", "source_kind", "source_language", "title", "run_dir")}
    return [{**base, **group} for group in plan["groups"]]


def language_jobs(plan: Mapping[str, Any], prepared: Any) -> list[dict[str, Any]]:
    """One job per routed language (two per language when comparing), with the ids its prepare answered."""
    by_vendor = {item["vendor"]: item for item in as_result_list(prepared)}
    compare = plan["mode"] == "compare"
    jobs = []
    for item in plan["routes"]:
        locale, vendor = item["locale"], item["vendor"]
        group = by_vendor.get(vendor) or {}
        if group.get("failure"):
            ids = {"failure": group["failure"]["reason"], "vendor_side": group["failure"]["vendor_side"]}
        else:
            ids = (group.get("languages") or {}).get(locale) or {"failure": f"{vendor} prepared no {locale}"}
        job = {
            "locale": locale,
            "label": f"{locale} {vendor}",
            "vendor": vendor,
            "fallbacks": item["fallbacks"],
            "ids": ids,
            "source": plan["source"],
            "source_language": plan["source_language"],
            "output_dir": output_dir(plan, locale),
            "file_stem": naming.file_stem(plan["slug"], locale, vendor if compare else None),
            "lineage_source": secret_source.shown(plan["source"]),
        }
        review = bool(plan["review"]) and vendor == "panjaya" and not ids.get("failure")
        jobs.append(
            {"job": job, "locale": locale, "version_id": ids.get("version_id") or "", "review": review}
        )
    return jobs


# -- captions ------------------------------------------------------------------------------------------
def caption_jobs(plan: Mapping[str, Any], delivered: Any) -> list[dict[str, Any]]:
    """One captions task per language (the source's too): every requested format in one go."""
    if not plan["caption_formats"]:
        return []
    done = {}
    for result in as_result_list(delivered):
        done.setdefault(result["locale"], result)
    transcript = next(
        (r["job_ids"].get("version_id") for r in done.values() if r["vendor"] == "panjaya"), None
    )
    jobs = []
    for locale in plan["caption_locales"]:
        base = {
            "locale": locale,
            "output_dir": output_dir(plan, locale),
            "file_stem": naming.file_stem(plan["slug"], locale),
            "video_stem": plan["slug"],
            "formats": plan["caption_formats"],
            "captions_source": plan["captions_source"],
            "burned_in": plan["burned_in"],
        }
        if locale == plan["source_language"]:
            if plan["captions_source"] == "dubbing" and not transcript:
                continue  # no Panjaya version delivered: no transcript of the source to convert
            jobs.append({**base, "media": plan["source"], "transcript_version_id": transcript, "srt": None})
            continue
        result = done.get(locale)
        if result is None:
            continue  # not delivered (rejected, failed): nothing to caption
        files = {entry["name"]: entry["uri"] for entry in result["files"]}
        video = next((uri for name, uri in files.items() if name.endswith(".mp4")), None)
        srt = next((uri for name, uri in files.items() if name.endswith(".srt")), None)
        jobs.append({**base, "media": video, "srt": srt, "transcript_version_id": None})
    return jobs


# -- manifest --------------------------------------------------------------------------------------------
def build_manifest(
    plan: Mapping[str, Any],
    run: Mapping[str, Any],
    delivered: Any = (),
    failures: Any = (),
    decisions: Any = (),
    captions: Any = (),
) -> dict[str, Any]:
    """Schema v2: every routed language with its vendor, status and reason, files, ids and timings."""
    run_dir = plan["run_dir"]
    delivered_by = {(r["locale"], r["vendor"]): r for r in as_result_list(delivered)}
    delivered_locale = {r["locale"]: r for r in as_result_list(delivered)}
    failed_by = {f["locale"]: f for f in as_result_list(failures)}
    rejected = {d["locale"]: d for d in as_result_list(decisions) if not d.get("approved")}
    caption_files: dict[str, list[dict[str, Any]]] = {}
    for result in as_result_list(captions):
        caption_files.setdefault(result["locale"], []).extend(result.get("files", []))
    compare = plan["mode"] == "compare"
    languages = []
    for item in plan["routes"]:
        locale, vendor = item["locale"], item["vendor"]
        result = delivered_by.get((locale, vendor))
        if result is None and not compare:
            result = delivered_locale.get(locale)  # moved by fallback: delivered by another vendor
        name = language_name(locale)
        if result is not None:
            files = [manifests.file_entry(entry, run_dir) for entry in result["files"]]
            # The captions step ran last: its entry of a file (Rev's SRT replacing the vendor's) wins.
            by_path = {entry["path"]: entry for entry in files}
            for entry in caption_files.get(locale, []):
                candidate = manifests.file_entry(entry, run_dir, kind="captions", fmt=entry.get("format"))
                by_path[candidate["path"]] = candidate
            files = list(by_path.values())
            moved = [a for a in result.get("attempts") or [] if a.get("status") == "moved"]
            reason = moved[-1]["reason"] if moved else None
            languages.append(
                manifests.language_entry(
                    locale=locale,
                    name=name,
                    vendor=result["vendor"],
                    status="delivered",
                    reason=reason,
                    job_ids=result["job_ids"],
                    attempts=result.get("attempts") or [],
                    files=files,
                    timings=result.get("timings"),
                )
            )
        elif locale in rejected:
            decision = rejected[locale]
            who = decision.get("by") or "a reviewer"
            reason = f"rejected in review by {who} at {decision.get('at')}"
            languages.append(
                manifests.language_entry(
                    locale=locale, name=name, vendor=vendor, status="rejected", reason=reason
                )
            )
        elif locale in failed_by:
            failure = failed_by[locale]
            languages.append(
                manifests.language_entry(
                    locale=locale,
                    name=name,
                    vendor=failure["vendor"],
                    status="failed",
                    reason=failure["reason"],
                    attempts=failure.get("attempts") or [],
                )
            )
        else:
            languages.append(
                manifests.language_entry(
                    locale=locale,
                    name=name,
                    vendor=vendor,
                    status="pending",
                    reason="not delivered when the manifest was written (see the run's failed tasks)",
                )
            )
    source_files = [
        manifests.file_entry(entry, run_dir, kind="captions")
        for entry in caption_files.get(plan["source_language"], [])
    ]
    return manifests.document(
        dag_id=run["dag_id"],
        run_id=run["run_id"],
        title=plan["title"],
        run_folder=plan["run_folder"],
        # A pre-signed source URL is a credential: the manifest keeps where, not the signature.
        source={"uri": secret_source.shown(plan["source"]), "language": plan["source_language"]},
        started_at=run.get("started_at"),
        finished_at=datetime.now(UTC).isoformat(),
        languages=languages,
        mode=plan["mode"],
        route=plan["route_text"],
        fallback=plan["fallback"],
        warnings=list(plan.get("warnings") or []),
        source_captions={"locale": plan["source_language"], "files": source_files},
    )


def not_delivered(manifest: Mapping[str, Any], caption_jobs: Any = (), captions: Any = ()) -> list[str]:
    """`fr-FR failed at akool: ...` for every language the run did not deliver and that no person rejected,
    and every language whose captions were asked for but not made."""
    problems = [
        f"{lang['locale']} {lang['status']} at {lang['vendor']}: {lang['reason']}"
        for lang in manifest["languages"]
        if lang["status"] in ("failed", "pending")
    ]
    made = {result["locale"] for result in as_result_list(captions)}
    problems += [
        f"captions of {job['locale']} were not made (see the captions task)"
        for job in as_result_list(caption_jobs)
        if job["locale"] not in made
    ]
    return problems


def write_manifest(plan: Mapping[str, Any], manifest: Mapping[str, Any]) -> StoredFile:
    """`<run_dir>/manifest.json`; reports the run's lineage (source in, every delivered file out)."""
    return manifests.write(plan["run_dir"], manifest, source=plan.get("source"))
