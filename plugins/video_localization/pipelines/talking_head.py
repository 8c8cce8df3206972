"""The `talking_head_video` pipeline's logic: Params schema, plan, per-locale jobs, manifest.

Kept out of `dags/` so the DAG file is wiring only. The plan checks a whole request without any call:
the document's limits, then actor, shot, voices (and their languages), background size and emotion
against the account's configurations snapshot (`cdnvideo.catalogue`), choosing a voice per locale
where none was given. The generate operator checks again against the live configurations before it
spends a request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.sdk import Param

from video_localization.cdnvideo.catalogue import load_snapshot
from video_localization.cdnvideo.models import VENDOR, VIDEO_SIZES, Gender
from video_localization.cdnvideo.validation import (
    MAX_SCRIPT_CHARS,
    MAX_VIDEO_NAME_CHARS,
    blank_as_none,
    build_request,
    check_video_name,
    language,
    make_actor,
)
from video_localization.core.errors import InvalidInputError
from video_localization.core.languages import language_name, normalize_tag, vendor_languages
from video_localization.core.paths import data_dir
from video_localization.core.run_connections import check_connection, vendor_connection
from video_localization.core.storage import as_storage_path, safe_path_part
from video_localization.core.trust import check_output_location
from video_localization.core.validation import Checks, one_of
from video_localization.pipelines import naming
from video_localization.pipelines.conf_keys import check_known_keys
from video_localization.pipelines.localize_form import default_output_location

#: Task ids inside the DAG, recorded in the manifest so every file can be traced to the task that made it.
GROUP_ID = "per_locale"
GENERATE_TASK_ID = f"{GROUP_ID}.generate"
DOWNLOAD_TASK_ID = f"{GROUP_ID}.download"
SCRIPT_SUFFIXES = (".txt", ".ssml")


def sample_scripts() -> dict[str, str]:
    """`data/scripts/talking_head/<locale>.txt|.ssml`: the form's default scripts."""
    folder = data_dir() / "scripts" / "talking_head"
    return {
        path.stem: path.read_text(encoding="utf-8").strip()
        for path in sorted(folder.iterdir())
        if path.suffix in SCRIPT_SUFFIXES
    }


def params() -> dict[str, Param]:
    """The trigger form: JSON schema so the UI and the REST API refuse malformed values up front."""
    catalogue = load_snapshot()
    locales = vendor_languages(VENDOR).targets()
    shots = sorted(
        {shot for versions in catalogue.models.values() for m in versions.values() for shot in m.shots}
    )
    return {
        "scripts": Param(
            sample_scripts(),
            type="object",
            minProperties=1,
            propertyNames={"enum": locales},
            additionalProperties={"type": "string", "minLength": 1, "maxLength": MAX_SCRIPT_CHARS},
            title="Scripts",
            description=(
                f"One script per locale (plain text, or SSML in <speak>...</speak>), up to "
                f"{MAX_SCRIPT_CHARS} characters each; one video per locale. Locales: {', '.join(locales)}."
            ),
        ),
        "actor": Param(
            "Natalia", type="string", minLength=1, examples=sorted(catalogue.models), title="Actor"
        ),
        "actor_version": Param(
            "latest",
            type="string",
            minLength=1,
            title="Actor version",
            description="A version of the actor, or latest (the newest that fits the other choices).",
        ),
        "style": Param(None, type=["string", "null"], title="Style", description="Empty = any style."),
        "shot": Param("waist", type="string", minLength=1, examples=shots, title="Shot"),
        "size": Param(
            None,
            type=["string", "null"],
            enum=[*VIDEO_SIZES, None],
            # Without a label the form shows a literal "null" choice.
            values_display={"None": "The actor's shot size"},
            title="Video size",
            description="Empty = the size of the actor's shot.",
        ),
        "voices": Param(
            {},
            type="object",
            additionalProperties={"type": "string", "minLength": 1},
            examples=[{"de-DE": "Katja", "en-US": "Sara"}],
            title="Voices",
            description="Voice per locale; a locale left out gets one chosen by language and gender.",
        ),
        "voice_gender": Param(
            None,
            type=["string", "null"],
            enum=[*(g.value for g in Gender), None],
            values_display={"None": "The actor's gender"},
            title="Voice gender",
            description="For voices chosen automatically; empty = the actor's gender.",
        ),
        "background": Param(
            None,
            type=["string", "null"],
            examples=sorted(catalogue.backgrounds),
            title="Background",
            description="Must exist in the shot's size; empty = green_screen.",
        ),
        "emotion": Param(None, type=["string", "null"], title="Emotion", description="Empty = neutral."),
        "video_name": Param(
            "Product update",
            type="string",
            minLength=1,
            maxLength=MAX_VIDEO_NAME_CHARS,
            title="Video name",
            description=f"Name of the videos at CDNvideo, up to {MAX_VIDEO_NAME_CHARS} characters.",
        ),
        "output_location": Param(
            default_output_location(),
            type="string",
            minLength=1,
            title="Output location",
            description="Folder or object-storage URI under the configured output roots; results land in "
            "<location>/<date>-<name>/<locale>/.",
        ),
        "delete_remote": Param(
            False,
            type=["boolean", "null"],  # a default, so no "required" mark in the form
            title="Delete at CDNvideo once archived",
            description="Delete each video at the vendor after it has been saved and verified here.",
        ),
    }


def _scripts(conf: dict[str, Any], checks: Checks) -> dict[str, str]:
    """The scripts by canonical locale, in the order given."""
    scripts = conf.get("scripts")
    allowed = vendor_languages(VENDOR).targets()
    if not isinstance(scripts, dict) or not scripts:
        checks.add(InvalidInputError("scripts", scripts, allowed, "give one script per locale"))
        return {}
    result: dict[str, str] = {}
    for locale, script in scripts.items():
        found = checks.run(language, locale, "scripts")
        if found is None:
            continue
        if found.tag in result:
            checks.add(InvalidInputError("scripts", locale, "each locale once", f"{found.tag} given twice"))
            continue
        result[found.tag] = script
    return result


def build_plan(conf: dict[str, Any], run_id: str) -> dict[str, Any]:
    """Validate a whole request (no vendor call) and answer the small dict every later step reads."""
    checks = Checks()
    catalogue = load_snapshot()
    scripts = _scripts(conf, checks)
    actor = checks.run(
        make_actor,
        conf.get("actor"),
        conf.get("shot"),
        version=blank_as_none(conf.get("actor_version")),
        style=blank_as_none(conf.get("style")),
        size=blank_as_none(conf.get("size")),
    )
    video_name = conf.get("video_name")
    checks.run(check_video_name, video_name)
    gender = blank_as_none(conf.get("voice_gender"))
    if gender is not None:
        checks.run(one_of, "voice_gender", gender, [g.value for g in Gender])
    voices = conf.get("voices") or {}
    if not isinstance(voices, dict):
        checks.add(InvalidInputError("voices", voices, "an object of locale -> voice name"))
        voices = {}
    voices = {normalize_tag(tag): voice for tag, voice in voices.items()}
    for tag in voices:
        if tag not in scripts:
            checks.add(
                InvalidInputError("voices", tag, list(scripts), "a voice for a locale without a script")
            )
    output_location = checks.run(
        check_output_location, "output_location", conf.get("output_location") or default_output_location()
    )
    check_known_keys(conf, params(), checks)
    resolved: dict[str, dict[str, Any]] = {}
    if actor is not None:
        for tag, script in scripts.items():
            with checks.field():
                _request, match = build_request(
                    catalogue,
                    script=script,
                    video_name=video_name,
                    actor=actor,
                    voice=blank_as_none(voices.get(tag)),
                    locale=tag,
                    voice_gender=gender,
                    background=blank_as_none(conf.get("background")),
                    emotion=blank_as_none(conf.get("emotion")),
                    fields={"script": f"scripts.{tag}", "voice": f"voices.{tag}", "video_name": "video_name"},
                )
                resolved[tag] = match.to_dict()
    # The same misfit (say, the actor) would be reported once per locale: keep each once.
    checks.errors = list({str(error): error for error in checks.errors}.values())
    if not checks.errors:  # the connection last: a request that is wrong anyway is not looked up
        checks.run(check_connection, vendor_connection("connection", f"{VENDOR}_default", VENDOR))
    checks.raise_if_any()
    assert actor is not None and output_location is not None
    # Named for people, as localize_video's: <output>/<date>-<title>/<locale>/ (no run id, no colons).
    title = naming.title_of(video_name, None, "talking-head")
    run_folder = naming.run_folder(title, run_id, datetime.now(UTC))
    if (as_storage_path(output_location) / run_folder).exists():
        run_folder = naming.run_folder(title, run_id, datetime.now(UTC), taken=True)
    run_dir = as_storage_path(output_location) / run_folder
    delete_remote = bool(conf.get("delete_remote"))
    jobs = [
        {
            "locale": tag,
            "script": script,
            "actor": actor.model_dump(exclude_none=True),
            "voice": resolved[tag]["voice"],
            "background": blank_as_none(conf.get("background")),
            "emotion": blank_as_none(conf.get("emotion")),
            "video_name": video_name,
            "output_dir": str(run_dir / safe_path_part(tag)),
            "file_stem": naming.file_stem(title, tag),
            "delete_remote": delete_remote,
        }
        for tag, script in scripts.items()
    ]
    return {
        "vendor": VENDOR,
        "locales": list(scripts),
        "actor": actor.model_dump(exclude_none=True),
        "video_name": video_name,
        "resolved": resolved,
        "jobs": jobs,
        "run_dir": str(run_dir),
        "run_folder": run_folder,
        "title": title,
        "planned_at": datetime.now(UTC).isoformat(),
    }


def build_manifest(
    plan: dict[str, Any],
    generated: list[dict[str, Any] | None],
    results: list[dict[str, Any] | None],
    run: dict[str, Any],
) -> dict[str, Any]:
    """Manifest schema v2 (docs/manifest.schema.json, shared with localize_video): per locale the CDNvideo
    task id, status with a reason, files (path in the run folder, size, SHA-256) and timings; the voice,
    model version and Airflow task of each locale kept beside them."""
    from video_localization.pipelines import manifest as manifests

    made = {item["locale"]: item for item in generated if item}
    done = {item["locale"]: item for item in results if item}
    languages = []
    for map_index, job in enumerate(plan["jobs"]):
        locale = job["locale"]
        generation = made.get(locale, {})
        result = done.get(locale)
        resolved = plan["resolved"].get(locale, {})
        task_id = (result or generation).get("job_id")
        entry = manifests.language_entry(
            locale=locale,
            name=language_name(locale),
            vendor=VENDOR,
            status="delivered" if result else ("failed" if generation else "pending"),
            reason=None
            if result
            else "the video was not downloaded (see the run's failed tasks)"
            if generation
            else "no talking-head task was created (see the run's failed tasks)",
            job_ids={"task_id": task_id} if task_id else {},
            files=[manifests.file_entry(item, plan["run_dir"], kind="video") for item in result["files"]]
            if result
            else [],
            timings={
                "submitted_at": generation.get("submitted_at"),
                "completed_at": generation.get("processed_at"),
                "delivered_at": result.get("downloaded_at") if result else None,
            },
        )
        entry.update(
            voice=resolved.get("voice"),
            model_version=resolved.get("version"),
            video_name=(result or {}).get("renamed_to") or generation.get("video_name"),
            script_characters=len(job["script"]),
            remote_deleted=bool(result and result.get("remote_deleted")),
            airflow_tasks={
                "generate": GENERATE_TASK_ID,
                "download": DOWNLOAD_TASK_ID,
                "map_index": map_index,
            },
        )
        languages.append(entry)
    return manifests.document(
        dag_id=run["dag_id"],
        run_id=run["run_id"],
        title=plan.get("title") or plan.get("video_name") or "talking-head",
        run_folder=plan.get("run_folder") or plan["run_dir"].rstrip("/").rsplit("/", 1)[-1],
        source=None,
        started_at=run.get("started_at"),
        finished_at=datetime.now(UTC).isoformat(),
        languages=languages,
        actor=plan["actor"],
    )


def save_manifest(plan: dict[str, Any], manifest: dict[str, Any]) -> dict[str, Any]:
    """`<run_dir>/manifest.json` (schema v2, as localize_video's), and what the manifest task returns."""
    from video_localization.pipelines import manifest as manifests

    stored = manifests.write(plan["run_dir"], manifest)
    return {"manifest": stored.to_dict(), "summary": manifests.summary(manifest, stored.uri)}
