"""`vloc demo`: the main job end to end on the embedded default (sandbox vendors, Airflow on SQLite).

Starts the sandbox and Airflow, triggers a DAG over the REST API like a user would (`localize_video` by
default, `talking_head_video` with `--dag`), waits, verifies every output (exists, size and SHA-256 as in
the manifest, MP4 or caption content), prints a table, stops what it started, and exits non-zero unless
everything verified.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from video_localization_dev.media import media_dir
from video_localization_dev.rest import AirflowRest
from video_localization_dev.stack import ADMIN_USER, Stack

DAG_ID = "localize_video"
DAGS = ("localize_video", "talking_head_video")
DEFAULT_LANGUAGES = ["fr-FR", "de-DE", "es-ES"]


def _path(entry: dict[str, Any]) -> Path:
    return Path(entry["uri"].removeprefix("file://"))


def _file_problems(locale: str, entry: dict[str, Any]) -> list[str]:
    path = _path(entry)
    if not path.is_file():
        return [f"{locale}: {path} is missing"]
    data = path.read_bytes()
    problems = []
    if len(data) != entry["size_bytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
        problems.append(f"{locale}: {path.name} does not match its size/checksum in the manifest")
    if path.suffix == ".mp4" and data[4:8] != b"ftyp":
        problems.append(f"{locale}: {path.name} is not an MP4")
    if path.suffix == ".srt" and "-->" not in data.decode("utf-8", "replace"):
        problems.append(f"{locale}: {path.name} is not an SRT")
    if not data:
        problems.append(f"{locale}: {path.name} is empty")
    return problems


def verify_manifest(
    manifest: dict[str, Any], expected_languages: list[str], caption_formats: int = 0
) -> list[str]:
    """Every problem with the delivered files (empty when all verify)."""
    problems = []
    by_locale = {language["locale"]: language for language in manifest["languages"]}
    for locale in expected_languages:
        language = by_locale.get(locale)
        if language is None or language["status"] != "delivered":
            problems.append(f"{locale}: not delivered")
            continue
        for entry in language["files"]:
            problems.extend(_file_problems(locale, entry))
    if caption_formats:
        captions = manifest.get("captions", {}).get("files", {})
        for locale in [manifest.get("source_language"), *expected_languages]:
            files = captions.get(locale, [])
            if len(files) < caption_formats:
                problems.append(f"{locale}: {len(files)} caption files, expected {caption_formats}")
            for entry in files:
                problems.extend(_file_problems(locale, entry))
    return problems


def print_table(manifest: dict[str, Any]) -> None:
    rows = [("language", "file", "bytes", "vendor job id")]
    for language in manifest["languages"]:
        job_id = language.get("job_id") or language.get("task_id") or ""
        for entry in language["files"]:
            rows.append((language["locale"], str(_path(entry)), str(entry["size_bytes"]), job_id))
    for locale, files in manifest.get("captions", {}).get("files", {}).items():
        rows.extend((locale, str(_path(entry)), str(entry["size_bytes"]), "") for entry in files)
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for index, row in enumerate(rows):
        print(
            "  ".join(
                cell.rjust(widths[i]) if i == 2 else cell.ljust(widths[i]) for i, cell in enumerate(row)
            )
        )
        if index == 0:
            print("  ".join("-" * width for width in widths))


def demo_conf(
    dag_id: str,
    stack: Stack,
    languages: list[str],
    output: Path,
    vendor: str,
    captions: str | None,
    formats: list[str],
) -> dict[str, Any]:
    """The trigger conf a user would send for this demo."""
    if dag_id == "talking_head_video":
        return {"output_location": str(output)}  # the form's defaults: sample scripts in 3 languages
    sample = media_dir() / "sample.mp4"
    conf: dict[str, Any] = {
        # Akool fetches its source itself: give it the sample at the sandbox's address.
        "source": f"{stack.sandbox_url}/_sandbox/media/sample.mp4" if vendor == "akool" else str(sample),
        "source_language": "en-US",
        "target_languages": languages,
        "dubbing_vendor": vendor,
        "output_location": str(output),
    }
    if formats:
        conf["caption_formats"] = formats
        conf["captions_source"] = captions or "dubbing"
    return conf


def run_demo(
    languages: list[str],
    output: Path,
    vendor: str = "panjaya",
    keep_running: bool = False,
    dag_id: str = DAG_ID,
    captions: str | None = None,
    formats: list[str] | None = None,
) -> int:
    formats = formats or []
    home = Path(tempfile.mkdtemp(prefix="vloc-demo-airflow-"))
    stack = Stack(home=home, output_dir=output)
    started = time.monotonic()
    print(f"Starting the vendor sandbox and Airflow (home {home}) ...", flush=True)
    try:
        stack.start()
        stack.start_keeper(report=lambda line: print(line, flush=True))  # restarts a component that dies
        print(f"Airflow is up at {stack.api_url} ({time.monotonic() - started:.0f} s)", flush=True)
        rest = AirflowRest(stack.api_url, ADMIN_USER, stack.password)
        rest.wait_for_dag(dag_id)
        rest.unpause(dag_id)
        conf = demo_conf(dag_id, stack, languages, output, vendor, captions, formats)
        run = rest.trigger(dag_id, conf)
        run_id = run["dag_run_id"]
        print(f"Triggered {dag_id} run {run_id}; waiting ...", flush=True)
        final = rest.wait_for_run(dag_id, run_id, timeout=900)
        if final["state"] != "success":
            failed = [ti for ti in rest.task_instances(dag_id, run_id) if ti["state"] == "failed"]
            names = [f"{ti['task_id']}[{ti.get('rendered_map_index') or ti['map_index']}]" for ti in failed]
            print(f"Run ended {final['state']}; failed tasks: {names}", file=sys.stderr)
            return 1
        manifest_info = rest.xcom(dag_id, run_id, "manifest")
        manifest_path = _path(manifest_info["manifest"])
        manifest = json.loads(manifest_path.read_text())
        print()
        print_table(manifest)
        print(f"\nManifest: {manifest_path}")
        expected = [language["locale"] for language in manifest["languages"]]
        if dag_id == DAG_ID:
            expected = languages
        problems = verify_manifest(manifest, expected, caption_formats=len(formats))
        for problem in problems:
            print(f"NOT OK: {problem}", file=sys.stderr)
        if problems:
            return 1
        total = sum(len(lang["files"]) for lang in manifest["languages"]) + sum(
            len(files) for files in manifest.get("captions", {}).get("files", {}).values()
        )
        print(f"All {total} files verified in {time.monotonic() - started:.0f} s.")
        if keep_running:
            print(f"\nAirflow UI: {stack.api_url}  login: {ADMIN_USER} / {stack.password}")
        return 0
    except Exception as exc:
        print(f"Demo failed: {exc}", file=sys.stderr)
        for name in stack.processes:
            print(f"--- {name} log tail ---\n{stack.log_tail(name, 15)}", file=sys.stderr)
        return 1
    finally:
        if not keep_running:
            stack.stop()
            stack.remove_home()
