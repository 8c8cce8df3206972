"""The `localize_video` pipeline's logic: Params schema, plan, per-language jobs, manifest.

Kept out of `dags/` so the DAG file is wiring only, and so the same plan validates a request from the UI
form, the REST API or a scheduled intake the same way, before anything is paid for.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from airflow.sdk import Param

from video_localization.core import secret_source
from video_localization.core.captions.formats import CaptionFormat
from video_localization.core.captions.validation import SOURCE_LOCAL, SOURCE_REV, validate_caption_request
from video_localization.core.config import setting
from video_localization.core.errors import InvalidInputError
from video_localization.core.languages import vendor_languages
from video_localization.core.lineage import delivered_files, record_delivery
from video_localization.core.mp4 import probe_mp4_file
from video_localization.core.run_connections import check_connection, notify_connection, vendor_connection
from video_localization.core.sources import check_source as _check_source
from video_localization.core.storage import StoredFile, as_storage_path, safe_path_part, write_bytes
from video_localization.core.trust import check_output_location
from video_localization.core.validation import Checks, as_field
from video_localization.panjaya.models import LipsModel
from video_localization.panjaya.validation import validate_asset_options
from video_localization.pipelines.conf_keys import check_known_keys
from video_localization.pipelines.results import as_result_list

DUBBING_VENDORS = ["panjaya", "akool", "blendvision"]
#: Where captions come from: the dubbing vendor's SRT converted here, or Rev.
CAPTIONS_SOURCES = {"dubbing": SOURCE_LOCAL, "rev": SOURCE_REV}
#: Dubbing vendors that give a subtitle file to convert (Akool and BlendVision give none).
VENDORS_WITH_SRT = ("panjaya",)
#: Schemes the project reads and uploads itself (streamed); http(s) sources are fetched by the vendor.
STORAGE_SCHEMES = ["file", "s3", "gs", "gcs", "az", "abfs", "abfss"]
SOURCE_HELP = (
    "an http(s) URL the vendor can fetch, a local path, or an object-storage URI ("
    + ", ".join(f"{scheme}://" for scheme in STORAGE_SCHEMES)
    + ")"
)


def default_output_location() -> str:
    """The `[video_localization] output_root` setting."""
    return setting("output_root")


def default_source() -> str:
    """The `[video_localization] default_source` setting (empty: the form asks for one)."""
    return setting("default_source")


def _union(lists) -> list[str]:
    """Tags of several vendors, each once, sorted."""
    return sorted({tag for tags in lists for tag in tags})


def params() -> dict[str, Param]:
    """The trigger form: JSON schema so the UI (and the REST API) reject malformed values up front."""
    sources = _union(vendor_languages(vendor).sources() for vendor in DUBBING_VENDORS)
    targets = _union(vendor_languages(vendor).targets() for vendor in DUBBING_VENDORS)
    return {
        "source": Param(
            default_source(),
            type="string",
            minLength=1,
            title="Source video",
            description=f"The video to localize: {SOURCE_HELP}.",
        ),
        "source_language": Param(
            "en-US",
            type="string",
            enum=sources,
            title="Source language",
            description="Spoken language of the source video (the plan checks it per vendor).",
        ),
        "target_languages": Param(
            ["fr-FR", "de-DE"],
            type="array",
            items={"type": "string", "enum": targets},
            minItems=1,
            uniqueItems=True,
            examples=targets,
            title="Target languages",
            description="One dubbed video (and subtitles) per language.",
        ),
        "dubbing_vendor": Param(
            "panjaya",
            type="string",
            enum=DUBBING_VENDORS,
            title="Dubbing vendor",
            description=(
                "panjaya: lip-synced dubs with studio review (URL or file source); akool: video translation "
                "(http(s) source; lipsync optional); blendvision: one dubbing job per language (file source)."
            ),
        ),
        "lips_model": Param(
            LipsModel.REAL_FACE.value,
            type="string",
            enum=[m.value for m in LipsModel],
            title="Lips model (Panjaya)",
            description="real_face: highest quality; real_face_turbo: up to 4x faster.",
        ),
        "voice_anonymization": Param(
            0.0,
            type="number",
            minimum=0,
            maximum=1,
            title="Voice anonymization (Panjaya)",
            description="0 keeps the speaker's voice, 1 makes it sound very different.",
        ),
        "speakers_count": Param(
            None,
            type=["integer", "null"],
            minimum=1,
            title="Number of speakers (Panjaya)",
            description="Distinct speakers in the video (improves accuracy); empty = let the vendor detect.",
        ),
        "start_time": Param(
            None,
            type=["number", "null"],
            minimum=0,
            title="Start time (s)",
            description="Dub from this second on; empty = from the beginning.",
        ),
        "end_time": Param(
            None,
            type=["number", "null"],
            exclusiveMinimum=0,
            title="End time (s)",
            description="Dub up to this second; empty = to the end.",
        ),
        "review": Param(
            False,
            type="boolean",
            title="Human review",
            description="Panjaya only: a person approves each language in the studio before paying for it.",
        ),
        "output_location": Param(
            default_output_location(),
            type="string",
            minLength=1,
            title="Output location",
            description="Folder or object-storage URI under the configured output roots; results land in "
            "<location>/<run_id>/<locale>/.",
        ),
        "lipsync": Param(
            False,
            type="boolean",
            title="Lip sync (Akool)",
            description="Akool only: lip-synced result (paid extra; sources up to 60 s).",
        ),
        "face_enhance": Param(
            False,
            type="boolean",
            title="Face enhance (Akool)",
            description="Akool only, and only with lip sync.",
        ),
        "caption_formats": Param(
            [],
            type="array",
            items={"type": "string", "enum": [fmt.value for fmt in CaptionFormat]},
            uniqueItems=True,
            examples=[fmt.value for fmt in CaptionFormat],
            title="Caption formats",
            description="Subtitle files for the source and every target language; empty = none.",
        ),
        "captions_source": Param(
            "dubbing",
            type="string",
            enum=list(CAPTIONS_SOURCES),
            title="Captions from",
            description=(
                "dubbing: convert the dubbing vendor's SRT here (Panjaya gives SRTs); rev: a Rev order per "
                "language on the source and on each dubbed video (MCC, CheetahCap, AvidDvd only from Rev)."
            ),
        ),
        "burned_in_captions": Param(
            False,
            type="boolean",
            title="Burned-in captions video (Rev)",
            description="With captions from Rev: also a video with the captions drawn in, per language.",
        ),
        "notify_conn_id": Param(
            None,
            type=["string", "null"],
            title="Notify connection",
            description="HTTP connection to POST the manifest summary to at the end; empty = none.",
        ),
    }


def check_source(source: str) -> dict[str, str]:
    """Classify the source: `url` (the vendor fetches it; a public host; a signed one is kept as a
    reference to the run's conf) or `path` (we stream it: a video file under the source roots)."""
    return _check_source("source", source, STORAGE_SCHEMES, SOURCE_HELP)


#: Options that only some vendors have, with the values that mean "not asked for" (the form's defaults).
VENDOR_OPTIONS: dict[str, tuple[tuple[str, ...], tuple[Any, ...]]] = {
    "speakers_count": (("panjaya",), (None, "")),
    "lips_model": (("panjaya",), (None, "", LipsModel.REAL_FACE.value)),
    "voice_anonymization": (("panjaya",), (None, "", 0, 0.0)),
    "review": (("panjaya",), (None, False)),
    "lipsync": (("akool",), (None, False)),
    "face_enhance": (("akool",), (None, False)),
    "start_time": (("panjaya", "blendvision"), (None, "")),
    "end_time": (("panjaya", "blendvision"), (None, "")),
}


def _foreign_options(conf: dict[str, Any], vendor: str) -> list[InvalidInputError]:
    """An option set to something the chosen vendor cannot do is refused, not silently dropped."""
    errors = []
    for field, (vendors, neutral) in VENDOR_OPTIONS.items():
        value = conf.get(field)
        if vendor not in vendors and not any(value is n or value == n for n in neutral):
            allowed = f"{neutral[-1]!r} (or empty) with dubbing_vendor={vendor}; other values only with " + (
                " or ".join(vendors)
            )
            errors.append(InvalidInputError(field, value, allowed, f"{vendor} has no such option"))
    return errors


def _plan_panjaya(conf: dict[str, Any], source: dict[str, str] | None) -> dict[str, Any]:
    options = validate_asset_options(
        source_locale=conf.get("source_language"),
        target_locales=conf.get("target_languages") or [],
        speakers_count=conf.get("speakers_count"),
        start_time=conf.get("start_time"),
        end_time=conf.get("end_time"),
        lips_model=conf.get("lips_model"),
        voice_anonymization=conf.get("voice_anonymization"),
    )
    return {
        "source_language": options.locale,
        "target_languages": [language.locale for language in options.target_languages],
        "speakers_count": options.speakers_count,
        "start_time": options.start_time,
        "end_time": options.end_time,
        "lips_model": options.lips_model.value if options.lips_model else None,
        "voice_anonymization": options.voice_anonymization,
    }


def _plan_akool(conf: dict[str, Any], source: dict[str, str] | None) -> dict[str, Any]:
    from video_localization.akool.validation import validate_translation

    checks = Checks()
    if source is not None and source["kind"] != "url":
        checks.add(
            InvalidInputError(
                "source",
                conf.get("source"),
                "an http(s) URL",
                "Akool fetches the video itself and takes no upload",
            )
        )
    # A bad source (None: already reported by check_source) gets a stand-in, so the rest is still checked.
    usable = source is not None and source["kind"] == "url"
    plan = checks.run(
        validate_translation,
        source_url=source["url"] if usable else "https://source.invalid/",
        source_locale=conf.get("source_language"),
        target_locales=conf.get("target_languages") or [],
        lipsync=bool(conf.get("lipsync")),
        face_enhance=bool(conf.get("face_enhance")),
    )
    checks.raise_if_any()
    assert plan is not None
    return {
        "source_language": plan.source_tag,
        "target_languages": list(plan.targets),
        "lipsync": plan.lipsync,
        "face_enhance": plan.face_enhance,
    }


def _plan_blendvision(conf: dict[str, Any], source: dict[str, str] | None) -> dict[str, Any]:
    from video_localization.blendvision.validation import (
        validate_interval,
        validate_source_language,
        validate_targets,
        validate_upload,
    )

    checks = Checks()
    if source is None:
        pass  # already reported by check_source
    elif source["kind"] != "path":
        checks.add(
            InvalidInputError(
                "source",
                conf.get("source"),
                "a local path or object-storage URI",
                "BlendVision dubs files uploaded to its library; this project uploads them for you",
            )
        )
    else:
        with checks.field(), as_field("source", conf.get("source"), ("source_path", "file_name")):
            validate_upload(source_path=source["source"])
    language = checks.run(validate_source_language, conf.get("source_language"))
    targets = checks.run(
        validate_targets, language.tag if language else None, conf.get("target_languages") or []
    )
    checks.run(validate_interval, conf.get("start_time"), conf.get("end_time"))
    checks.raise_if_any()
    assert language is not None and targets is not None
    return {
        "source_language": language.tag,
        "target_languages": [target.tag for target in targets],
        "start_time": conf.get("start_time"),
        "end_time": conf.get("end_time"),
    }


def _plan_captions(conf: dict[str, Any], vendor: str, vendor_plan: dict[str, Any] | None) -> dict[str, Any]:
    """Caption formats for the source language and every target, checked per language and format."""
    formats = conf.get("caption_formats") or []
    chosen = conf.get("captions_source") or "dubbing"
    if chosen not in CAPTIONS_SOURCES:
        raise InvalidInputError("captions_source", chosen, list(CAPTIONS_SOURCES))
    if not formats:
        if conf.get("burned_in_captions"):
            raise InvalidInputError("burned_in_captions", True, "false unless caption_formats are asked for")
        return {"caption_formats": [], "captions_source": chosen, "caption_locales": [], "burned_in": False}
    if chosen == "dubbing" and vendor not in VENDORS_WITH_SRT:
        raise InvalidInputError(
            "captions_source", chosen, ["rev"], f"{vendor} gives no subtitle file to convert; Rev can caption"
        )
    if conf.get("burned_in_captions") and chosen != "rev":
        raise InvalidInputError("burned_in_captions", True, "false unless captions_source is 'rev'")
    locales = []
    if vendor_plan is not None:
        locales = [vendor_plan["source_language"], *vendor_plan["target_languages"]]
    request = validate_caption_request(
        formats, locales, CAPTIONS_SOURCES[chosen], source_field="captions_source"
    )
    return {
        "caption_formats": request["formats"],
        "captions_source": chosen,
        "caption_locales": request["locales"],
        "burned_in": bool(conf.get("burned_in_captions")),
    }


def check_interval_in_media(source: dict[str, str] | None, vendor_plan: dict[str, Any] | None) -> None:
    """start/end within a file source's length: Panjaya and BlendVision refuse an interval past the end
    (after the upload), so it is refused here. An http(s) source cannot be measured without fetching it."""
    if source is None or source["kind"] != "path" or vendor_plan is None:
        return
    start, end = vendor_plan.get("start_time"), vendor_plan.get("end_time")
    if start in (None, "") and end in (None, ""):
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


def _connections(conf: dict[str, Any], vendor: str, captions: dict[str, Any] | None) -> list:
    """Every connection the run will use: the dubbing vendor's, Rev's for Rev captions, the notify one."""
    needed = [vendor_connection("dubbing_vendor", vendor, vendor)]
    if captions and captions["caption_formats"] and captions["captions_source"] == "rev":
        needed.append(vendor_connection("captions_source", "rev", "rev"))
    if conf.get("notify_conn_id"):
        needed.append(notify_connection("notify_conn_id", str(conf["notify_conn_id"])))
    return needed


PLANNERS = {"panjaya": _plan_panjaya, "akool": _plan_akool, "blendvision": _plan_blendvision}
#: Every key a plan holds, so each DAG branch can reference its own keys as XCom whatever the vendor.
PLAN_OPTION_KEYS = (
    "speakers_count",
    "start_time",
    "end_time",
    "lips_model",
    "voice_anonymization",
    "lipsync",
    "face_enhance",
)


def build_plan(conf: dict[str, Any], run_id: str) -> dict[str, Any]:
    """Validate a whole request (no vendor call) and answer the small dict every later step reads."""
    checks = Checks()
    vendor = conf.get("dubbing_vendor") or "panjaya"
    if vendor not in DUBBING_VENDORS:
        checks.add(InvalidInputError("dubbing_vendor", vendor, DUBBING_VENDORS))
    source = checks.run(check_source, conf.get("source"))
    vendor_plan = None
    if vendor in PLANNERS:
        for error in _foreign_options(conf, vendor):
            checks.add(error)
        # Planned even when the source is bad, so every problem of the request is reported at once.
        vendor_plan = checks.run(PLANNERS[vendor], conf, source)
        checks.run(check_interval_in_media, source, vendor_plan)
    captions = checks.run(_plan_captions, conf, vendor, vendor_plan)
    output_location = checks.run(
        check_output_location, "output_location", conf.get("output_location") or default_output_location()
    )
    check_known_keys(conf, params(), checks)
    if not checks.errors:  # connections last: a request that is wrong anyway is not looked up
        for needed in _connections(conf, vendor, captions):
            checks.run(check_connection, needed)
    checks.raise_if_any()
    assert output_location is not None
    assert source is not None and vendor_plan is not None and captions is not None
    run_dir = as_storage_path(output_location) / safe_path_part(run_id)
    return {
        "vendor": vendor,
        "source_kind": source["kind"],
        "source": source["source"],
        # Flat keys: the DAG hands each one to an operator as its own XCom reference.
        **dict.fromkeys(PLAN_OPTION_KEYS),
        **vendor_plan,
        **captions,
        "review": bool(conf.get("review")),
        "run_dir": str(run_dir),
        "planned_at": datetime.now(UTC).isoformat(),
    }


def output_dir(plan: dict[str, Any], locale: str) -> str:
    return str(as_storage_path(plan["run_dir"]) / safe_path_part(locale))


def akool_jobs(plan: dict[str, Any], translated: dict[str, Any]) -> list[dict[str, Any]]:
    """One download per language from the translate step's `{tag: video_model_id}`."""
    ids = translated["video_model_ids"]
    return [
        {"video_model_id": ids[locale], "locale": locale, "output_dir": output_dir(plan, locale)}
        for locale in plan["target_languages"]
    ]


def blendvision_jobs(plan: dict[str, Any], dubbed: Any) -> list[dict[str, Any]]:
    """One download per finished dubbing job (the mapped jobs' results, one per language)."""
    return [
        {"job_id": job["job_id"], "locale": job["locale"], "output_dir": output_dir(plan, job["locale"])}
        for job in as_result_list(dubbed)
    ]


def language_jobs(plan: dict[str, Any], asset: dict[str, Any]) -> list[dict[str, Any]]:
    """One job per target language, in the order asked, each with its version and output folder."""
    versions = asset.get("versions") or {}
    missing = [locale for locale in plan["target_languages"] if locale not in versions]
    if missing:
        raise ValueError(f"asset {asset.get('asset_id')} has no version for {', '.join(missing)}: {versions}")
    return [
        {
            "locale": locale,
            "version_id": versions[locale],
            "output_dir": output_dir(plan, locale),
            "review": plan["review"],
        }
        for locale in plan["target_languages"]
    ]


# -- captions ---------------------------------------------------------------------------------------
def source_srt_path(plan: dict[str, Any]) -> str:
    locale = plan["source_language"]
    return f"{output_dir(plan, locale)}/{locale}.source.srt"


def fetch_source_transcript(plan: dict[str, Any], ids: dict[str, Any]) -> str | None:
    """Panjaya's source-language transcript (SRT), saved beside the source language's captions."""
    from video_localization.panjaya.hook import PanjayaHook
    from video_localization.panjaya.models import SrtLocality

    versions = list((ids.get("versions") or {}).values())
    if not versions:
        return None
    text = PanjayaHook().get_srt(versions[0], SrtLocality.SOURCE)
    write_bytes(as_storage_path(source_srt_path(plan)), text.encode(), "application/x-subrip")
    return source_srt_path(plan)


def local_caption_jobs(plan: dict[str, Any], delivered: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One conversion per language and format, from the vendor's SRT of each delivered language."""
    if not plan["caption_formats"] or plan["captions_source"] != "dubbing":
        return []
    done = {result["locale"] for result in delivered}
    jobs = []
    for locale in plan["caption_locales"]:
        if locale == plan["source_language"]:
            srt = source_srt_path(plan)
        elif locale in done:
            srt = f"{output_dir(plan, locale)}/{locale}.srt"
        else:
            continue  # not delivered (rejected in review): nothing to caption
        jobs.extend(
            {"srt_path": srt, "output_dir": output_dir(plan, locale), "locale": locale, "formats": [fmt]}
            for fmt in plan["caption_formats"]
        )
    return jobs


def rev_caption_jobs(plan: dict[str, Any], delivered: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One Rev order per language: the source video for the source language, each dubbed video else."""
    if not plan["caption_formats"] or plan["captions_source"] != "rev":
        return []
    done = {result["locale"] for result in delivered}
    jobs = []
    for locale in plan["caption_locales"]:
        if locale == plan["source_language"]:
            media = plan["source"]
        elif locale in done:
            media = f"{output_dir(plan, locale)}/video.mp4"
        else:
            continue
        jobs.append(
            {
                "locale": locale,
                "source": media,
                "formats": plan["caption_formats"],
                "burned_in": plan["burned_in"],
            }
        )
    return jobs


def rev_download_jobs(plan: dict[str, Any], orders: Any) -> list[dict[str, Any]]:
    """One download per language and format (the burned-in video with the first format)."""
    jobs = []
    for order in as_result_list(orders):
        for index, fmt in enumerate(plan["caption_formats"]):
            jobs.append(
                {
                    "order_number": order["order_number"],
                    "locale": order["locale"],
                    "output_dir": output_dir(plan, order["locale"]),
                    "formats": [fmt],
                    "include_burned_in": plan["burned_in"] and index == 0,
                }
            )
    return jobs


def captions_by_locale(*results: Any) -> dict[str, list[dict[str, Any]]]:
    """Caption files of every conversion or Rev download, grouped by language."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for result in (item for group in results for item in as_result_list(group)):
        grouped.setdefault(result["locale"], []).extend(result.get("files", []))
    return grouped


#: Per vendor: the task whose result holds the vendor's ids, and the (mapped) download task.
VENDOR_TASKS = {
    "panjaya": {"ids": "create_asset", "download": "localize_language.download"},
    "akool": {"ids": "akool_translate", "download": "akool_download"},
    "blendvision": {"ids": "blendvision_upload", "download": "blendvision_download"},
}


def vendor_ids(vendor: str, ids_result: dict[str, Any] | None) -> dict[str, Any]:
    """The vendor's own ids worth keeping in the manifest (never links, never secrets)."""
    ids_result = ids_result or {}
    if vendor == "panjaya":
        return {"asset_id": ids_result.get("asset_id"), "versions": ids_result.get("versions", {})}
    if vendor == "akool":
        return {"video_model_ids": ids_result.get("video_model_ids", {})}
    return {"source_file_id": ids_result.get("file_id")}


def source_transcript_file(plan: dict[str, Any]) -> dict[str, Any] | None:
    """The source-language SRT `fetch_source_transcript` saved for the conversions (size, SHA-256), if any."""
    if plan.get("captions_source") != "dubbing" or not plan.get("caption_formats") or not plan.get("run_dir"):
        return None
    path = as_storage_path(source_srt_path(plan))
    if not path.is_file():
        return None
    data = path.read_bytes()
    stored = StoredFile(
        str(path), path.name, len(data), hashlib.sha256(data).hexdigest(), "application/x-subrip"
    )
    return stored.to_dict()


def build_manifest(
    plan: dict[str, Any],
    ids: dict[str, Any],
    results: list[dict[str, Any]],
    run: dict[str, Any],
    captions: dict[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """Every target language, delivered or not, with its files (size, SHA-256), vendor job id and timing;
    caption files per language (the source language's too) under `captions`."""
    done = {result["locale"]: result for result in results if result}
    languages = []
    for locale in plan["target_languages"]:
        result = done.get(locale) or {}
        languages.append(
            {
                "locale": locale,
                "status": "delivered" if result else "not_delivered",
                "job_id": result.get("version_id") or result.get("job_id"),
                "files": result.get("files", []),
                "downloaded_at": result.get("downloaded_at"),
            }
        )
    return {
        "manifest_version": 1,
        "dag_id": run["dag_id"],
        "run_id": run["run_id"],
        "vendor": plan["vendor"],
        # A pre-signed source URL is a credential: the manifest keeps where, not the signature.
        "source": secret_source.shown(plan["source"]),
        "source_language": plan["source_language"],
        "asset_id": ids.get("asset_id"),
        "vendor_ids": ids,
        "languages": languages,
        "captions": {
            "source": plan.get("captions_source"),
            "formats": plan.get("caption_formats", []),
            "files": captions or {},
            # Panjaya's transcript of the source, saved beside the source language's captions.
            "source_transcript": source_transcript_file(plan),
        },
        "timings": {
            "run_started_at": run.get("started_at"),
            "planned_at": plan["planned_at"],
            "manifest_written_at": datetime.now(UTC).isoformat(),
        },
    }


def write_manifest(plan: dict[str, Any], manifest: dict[str, Any]) -> StoredFile:
    """`<run_dir>/manifest.json`; reports the run's lineage (source in, every delivered file out)."""
    data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    stored = write_bytes(as_storage_path(plan["run_dir"]) / "manifest.json", data, "application/json")
    record_delivery(plan.get("source"), delivered_files(manifest))
    return stored


def manifest_summary(manifest: dict[str, Any], manifest_uri: str) -> dict[str, Any]:
    """What the optional notification carries: ids, counts and the manifest's location, no media."""
    return {
        "dag_id": manifest["dag_id"],
        "run_id": manifest["run_id"],
        "vendor": manifest["vendor"],
        "vendor_ids": manifest["vendor_ids"],
        "manifest": manifest_uri,
        "delivered": [lang["locale"] for lang in manifest["languages"] if lang["status"] == "delivered"],
        "skipped": [lang["locale"] for lang in manifest["languages"] if lang["status"] != "delivered"],
        "files": sum(len(lang["files"]) for lang in manifest["languages"])
        + sum(len(files) for files in manifest["captions"]["files"].values())
        + (1 if manifest["captions"].get("source_transcript") else 0),
    }
