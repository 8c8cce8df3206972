"""The `localize_video` pipeline's logic: Params schema, plan, per-language jobs, manifest.

Kept out of `dags/` so the DAG file is wiring only, and so the same plan validates a request from the UI
form, the REST API or a scheduled intake the same way, before anything is paid for.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from airflow.sdk import Param

from video_localization.core.errors import InvalidInputError
from video_localization.core.languages import vendor_languages
from video_localization.core.storage import StoredFile, as_storage_path, safe_path_part, write_bytes
from video_localization.core.validation import Checks, http_url
from video_localization.panjaya.models import LipsModel
from video_localization.panjaya.validation import validate_asset_options

DUBBING_VENDORS = ["panjaya"]
#: Schemes the project reads and uploads itself (streamed); http(s) sources are fetched by the vendor.
STORAGE_SCHEMES = ["file", "s3", "gs", "gcs", "az", "abfs", "abfss"]
SOURCE_HELP = (
    "an http(s) URL the vendor can fetch, a local path, or an object-storage URI ("
    + ", ".join(f"{scheme}://" for scheme in STORAGE_SCHEMES)
    + ")"
)


def default_output_location() -> str:
    """`$VLOC_OUTPUT_DIR`, else `output/` in the project folder."""
    configured = os.environ.get("VLOC_OUTPUT_DIR")
    if configured:
        return configured
    return str(Path(__file__).resolve().parents[3] / "output")


def default_source() -> str:
    """`$VLOC_DEFAULT_SOURCE`, else the committed sample video."""
    from video_localization.core.paths import media_dir

    return os.environ.get("VLOC_DEFAULT_SOURCE") or str(media_dir() / "sample.mp4")


def params() -> dict[str, Param]:
    """The trigger form: JSON schema so the UI (and the REST API) reject malformed values up front."""
    panjaya = vendor_languages("panjaya")
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
            enum=panjaya.sources(),
            title="Source language",
            description="Spoken language of the source video.",
        ),
        "target_languages": Param(
            ["fr-FR", "de-DE"],
            type="array",
            items={"type": "string", "enum": panjaya.targets()},
            minItems=1,
            uniqueItems=True,
            examples=panjaya.targets(),
            title="Target languages",
            description="One dubbed video (and subtitles) per language.",
        ),
        "dubbing_vendor": Param(
            "panjaya",
            type="string",
            enum=DUBBING_VENDORS,
            title="Dubbing vendor",
        ),
        "lips_model": Param(
            LipsModel.REAL_FACE.value,
            type="string",
            enum=[m.value for m in LipsModel],
            title="Lips model",
            description="real_face: highest quality; real_face_turbo: up to 4x faster.",
        ),
        "voice_anonymization": Param(
            0.0,
            type="number",
            minimum=0,
            maximum=1,
            title="Voice anonymization",
            description="0 keeps the speaker's voice, 1 makes it sound very different.",
        ),
        "speakers_count": Param(
            None,
            type=["integer", "null"],
            minimum=1,
            title="Number of speakers",
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
            description="A person approves each language in the studio before generation is paid for.",
        ),
        "output_location": Param(
            default_output_location(),
            type="string",
            minLength=1,
            title="Output location",
            description="Folder or object-storage URI; results land in <location>/<run_id>/<locale>/.",
        ),
        "notify_conn_id": Param(
            None,
            type=["string", "null"],
            title="Notify connection",
            description="HTTP connection to POST the manifest summary to at the end; empty = none.",
        ),
    }


def check_source(source: str) -> dict[str, str]:
    """Classify the source: `url` (the vendor fetches it) or `path` (we stream it); must exist if a path."""
    text = str(source or "").strip()
    scheme = urlparse(text).scheme.lower() if "://" in text else ""
    if scheme in ("http", "https"):
        return {"kind": "url", "source": http_url("source", text)}
    if scheme and scheme not in STORAGE_SCHEMES:
        raise InvalidInputError("source", source, SOURCE_HELP, f"the {scheme}:// scheme is not supported")
    if not text:
        raise InvalidInputError("source", source, SOURCE_HELP, "empty")
    path = as_storage_path(text)
    if not path.is_file():
        raise InvalidInputError("source", source, SOURCE_HELP, "no such file")
    return {"kind": "path", "source": str(path)}


def build_plan(conf: dict[str, Any], run_id: str) -> dict[str, Any]:
    """Validate a whole request (no vendor call) and answer the small dict every later step reads."""
    checks = Checks()
    vendor = conf.get("dubbing_vendor") or "panjaya"
    if vendor not in DUBBING_VENDORS:
        checks.add(InvalidInputError("dubbing_vendor", vendor, DUBBING_VENDORS))
    source = checks.run(check_source, conf.get("source"))
    options = checks.run(
        validate_asset_options,
        source_locale=conf.get("source_language"),
        target_locales=conf.get("target_languages") or [],
        speakers_count=conf.get("speakers_count"),
        start_time=conf.get("start_time"),
        end_time=conf.get("end_time"),
        lips_model=conf.get("lips_model"),
        voice_anonymization=conf.get("voice_anonymization"),
    )
    output_location = str(conf.get("output_location") or default_output_location())
    with checks.field():
        if not output_location.strip():
            raise InvalidInputError("output_location", output_location, "a folder path or object-storage URI")
    checks.raise_if_any()
    assert source is not None and options is not None
    run_dir = as_storage_path(output_location) / safe_path_part(run_id)
    targets = [language.locale for language in options.target_languages]
    return {
        "vendor": vendor,
        "source_kind": source["kind"],
        "source": source["source"],
        "source_language": options.locale,
        "target_languages": targets,
        # Flat keys: the DAG hands each one to the asset operator as its own XCom reference.
        "speakers_count": options.speakers_count,
        "start_time": options.start_time,
        "end_time": options.end_time,
        "lips_model": options.lips_model.value if options.lips_model else None,
        "voice_anonymization": options.voice_anonymization,
        "review": bool(conf.get("review")),
        "run_dir": str(run_dir),
        "planned_at": datetime.now(UTC).isoformat(),
    }


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
            "output_dir": str(as_storage_path(plan["run_dir"]) / safe_path_part(locale)),
            "review": plan["review"],
        }
        for locale in plan["target_languages"]
    ]


def as_result_list(results: Any) -> list[dict[str, Any]]:
    """The mapped downloads' results as a list (Airflow hands over one dict when one language ran)."""
    if results is None:
        return []
    if isinstance(results, dict):
        return [results]
    return [result for result in results if result]


def build_manifest(
    plan: dict[str, Any], asset: dict[str, Any], results: list[dict[str, Any]], run: dict[str, Any]
) -> dict[str, Any]:
    done = {result["locale"]: result for result in results if result}
    languages = []
    for locale in plan["target_languages"]:
        result = done.get(locale)
        languages.append(
            {
                "locale": locale,
                "status": "delivered" if result else "skipped",
                "version_id": asset.get("versions", {}).get(locale),
                "files": result["files"] if result else [],
                "downloaded_at": result.get("downloaded_at") if result else None,
            }
        )
    return {
        "manifest_version": 1,
        "dag_id": run["dag_id"],
        "run_id": run["run_id"],
        "vendor": plan["vendor"],
        "source": plan["source"],
        "source_language": plan["source_language"],
        "asset_id": asset.get("asset_id"),
        "languages": languages,
        "timings": {
            "run_started_at": run.get("started_at"),
            "planned_at": plan["planned_at"],
            "manifest_written_at": datetime.now(UTC).isoformat(),
        },
    }


def write_manifest(plan: dict[str, Any], manifest: dict[str, Any]) -> StoredFile:
    data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    return write_bytes(as_storage_path(plan["run_dir"]) / "manifest.json", data, "application/json")


def manifest_summary(manifest: dict[str, Any], manifest_uri: str) -> dict[str, Any]:
    """What the optional notification carries: ids, counts and the manifest's location, no media."""
    return {
        "dag_id": manifest["dag_id"],
        "run_id": manifest["run_id"],
        "asset_id": manifest["asset_id"],
        "manifest": manifest_uri,
        "delivered": [lang["locale"] for lang in manifest["languages"] if lang["status"] == "delivered"],
        "skipped": [lang["locale"] for lang in manifest["languages"] if lang["status"] != "delivered"],
        "files": sum(len(lang["files"]) for lang in manifest["languages"]),
    }
