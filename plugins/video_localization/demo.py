"""`vloc demo`: the main job end to end on the embedded default (sandbox vendors, Airflow on SQLite).

Starts the sandbox and Airflow, triggers `localize_video` over the REST API like a user would, waits,
verifies every output (exists, size and SHA-256 as in the manifest, MP4 or SRT content), prints a
table, stops what it started, and exits non-zero unless everything verified.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from video_localization.rest import AirflowRest
from video_localization.stack import ADMIN_USER, PROJECT_DIR, Stack

DAG_ID = "localize_video"
DEFAULT_LANGUAGES = ["fr-FR", "de-DE", "es-ES"]


def verify_manifest(manifest: dict[str, Any], expected_languages: list[str]) -> list[str]:
    """Every problem with the delivered files (empty when all verify)."""
    problems = []
    by_locale = {language["locale"]: language for language in manifest["languages"]}
    for locale in expected_languages:
        language = by_locale.get(locale)
        if language is None or language["status"] != "delivered":
            problems.append(f"{locale}: not delivered")
            continue
        for entry in language["files"]:
            path = Path(entry["uri"].removeprefix("file://"))
            if not path.is_file():
                problems.append(f"{locale}: {path} is missing")
                continue
            data = path.read_bytes()
            if len(data) != entry["size_bytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
                problems.append(f"{locale}: {path.name} does not match its size/checksum in the manifest")
            if path.suffix == ".mp4" and data[4:8] != b"ftyp":
                problems.append(f"{locale}: {path.name} is not an MP4")
            if path.suffix == ".srt" and "-->" not in data.decode("utf-8", "replace"):
                problems.append(f"{locale}: {path.name} is not an SRT")
    return problems


def print_table(manifest: dict[str, Any]) -> None:
    rows = [("language", "file", "bytes", "vendor job id")]
    for language in manifest["languages"]:
        for entry in language["files"]:
            rows.append(
                (
                    language["locale"],
                    entry["uri"].removeprefix("file://"),
                    str(entry["size_bytes"]),
                    language["job_id"] or "",
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for index, row in enumerate(rows):
        print(
            "  ".join(
                cell.ljust(widths[i]) if i != 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)
            )
        )
        if index == 0:
            print("  ".join("-" * width for width in widths))


def run_demo(languages: list[str], output: Path, vendor: str = "panjaya", keep_running: bool = False) -> int:
    home = Path(tempfile.mkdtemp(prefix="vloc-demo-airflow-"))
    stack = Stack(home=home, output_dir=output)
    started = time.monotonic()
    print(f"Starting the vendor sandbox and Airflow (home {home}) ...", flush=True)
    try:
        stack.start()
        print(f"Airflow is up at {stack.api_url} ({time.monotonic() - started:.0f} s)", flush=True)
        rest = AirflowRest(stack.api_url, ADMIN_USER, stack.password)
        rest.wait_for_dag(DAG_ID)
        rest.unpause(DAG_ID)
        sample = PROJECT_DIR / "include" / "media" / "sample.mp4"
        conf = {
            # Akool fetches its source itself: give it the sample at the sandbox's address.
            "source": f"{stack.sandbox_url}/_sandbox/media/sample.mp4" if vendor == "akool" else str(sample),
            "source_language": "en-US",
            "target_languages": languages,
            "dubbing_vendor": vendor,
            "output_location": str(output),
        }
        run = rest.trigger(DAG_ID, conf)
        run_id = run["dag_run_id"]
        print(f"Triggered {DAG_ID} run {run_id} for {', '.join(languages)}; waiting ...", flush=True)
        final = rest.wait_for_run(DAG_ID, run_id, timeout=900)
        if final["state"] != "success":
            failed = [ti for ti in rest.task_instances(DAG_ID, run_id) if ti["state"] == "failed"]
            print(
                f"Run ended {final['state']}; failed tasks: {[ti['task_id'] for ti in failed]}",
                file=sys.stderr,
            )
            return 1
        manifest_info = rest.xcom(DAG_ID, run_id, "manifest")
        manifest_path = Path(manifest_info["manifest"]["uri"].removeprefix("file://"))
        manifest = json.loads(manifest_path.read_text())
        print()
        print_table(manifest)
        print(f"\nManifest: {manifest_path}")
        problems = verify_manifest(manifest, languages)
        for problem in problems:
            print(f"NOT OK: {problem}", file=sys.stderr)
        if problems:
            return 1
        print(
            f"All {sum(len(lang['files']) for lang in manifest['languages'])} files verified "
            f"in {time.monotonic() - started:.0f} s."
        )
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
