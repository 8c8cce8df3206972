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
    manifest: dict[str, Any],
    expected_languages: list[str],
    caption_formats: int = 0,
    run_dir: Path | None = None,
) -> list[str]:
    """Every problem with the delivered files (empty when all verify). Manifest v2 paths are relative to
    `run_dir` (the manifest's folder); v1 manifests (talking_head_video) carry absolute URIs."""
    problems = []
    by_locale: dict[str, list[dict[str, Any]]] = {}
    for language in manifest["languages"]:
        by_locale.setdefault(language["locale"], []).append(language)
    for locale in expected_languages:
        entries = [lang for lang in by_locale.get(locale, []) if lang["status"] == "delivered"]
        if not entries:
            reasons = "; ".join(str(lang.get("reason")) for lang in by_locale.get(locale, []))
            problems.append(f"{locale}: not delivered{f' ({reasons})' if reasons else ''}")
            continue
        for language in entries:
            files = [_entry(entry, run_dir) for entry in language["files"]]
            for entry in files:
                problems.extend(_file_problems(locale, entry))
            captions = [entry for entry in language["files"] if entry.get("kind") == "captions"]
            if caption_formats and run_dir is not None and len(captions) < caption_formats:
                problems.append(f"{locale}: {len(captions)} caption files, expected {caption_formats}")
    return problems


def _entry(entry: dict[str, Any], run_dir: Path | None) -> dict[str, Any]:
    """A v2 file entry (`path`, `bytes`) as the v1 shape `_file_problems` reads (`uri`, `size_bytes`)."""
    if "uri" in entry or run_dir is None:
        return entry
    return {"uri": str(run_dir / entry["path"]), "size_bytes": entry["bytes"], "sha256": entry["sha256"]}


def print_table(manifest: dict[str, Any], run_dir: Path | None = None) -> None:
    rows = [("language", "vendor", "status", "file", "bytes")]
    for language in manifest["languages"]:
        vendor = language.get("vendor") or ""
        if not language["files"]:
            rows.append((language["locale"], vendor, language["status"], language.get("reason") or "", ""))
        for raw in language["files"]:
            entry = _entry(raw, run_dir)
            name = raw.get("path") or str(_path(entry))
            rows.append((language["locale"], vendor, language["status"], name, str(entry["size_bytes"])))
        for attempt in language.get("attempts") or []:
            rows.append(
                (language["locale"], attempt["vendor"], attempt["status"], attempt.get("reason") or "", "")
            )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for index, row in enumerate(rows):
        print(
            "  ".join(
                cell.rjust(widths[i]) if i == 4 else cell.ljust(widths[i]) for i, cell in enumerate(row)
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
    conf: dict[str, Any] = {
        # The sample at the sandbox's http address: every vendor takes it (Akool only fetches URLs;
        # BlendVision's upload is fetched and uploaded by the project).
        "source": f"{stack.sandbox_url}/_sandbox/media/sample.mp4",
        "title": "Demo",
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
    vendor: str = "auto",
    keep_running: bool = False,
    dag_id: str = DAG_ID,
    captions: str | None = None,
    formats: list[str] | None = None,
    fail: str | None = None,
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
        if fail:
            conf["fallback"] = True
            inject_failure(stack, fail)
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
        run_dir = manifest_path.parent
        print()
        print_table(manifest, run_dir)
        print(f"\nManifest: {manifest_path}")
        if manifest.get("route"):
            print(f"Route: {manifest['route']}")
            print(f"Paid jobs at the vendors: {paid_jobs(stack)}")
        expected = [language["locale"] for language in manifest["languages"]]
        if dag_id == DAG_ID:
            expected = languages
        problems = verify_manifest(manifest, expected, caption_formats=len(formats), run_dir=run_dir)
        for problem in problems:
            print(f"NOT OK: {problem}", file=sys.stderr)
        if problems:
            return 1
        total = sum(len(lang["files"]) for lang in manifest["languages"])
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


def inject_failure(stack: Stack, spec: str) -> None:
    """`fr-FR@panjaya`: the sandbox fails that language's next job at that vendor, on the vendor's side."""
    import httpx

    locale, _, vendor = spec.partition("@")
    if not locale or not vendor:
        raise ValueError(f"--fail {spec!r}: expected LOCALE@VENDOR, e.g. fr-FR@panjaya")
    answer = httpx.post(
        f"{stack.sandbox_url}/_sandbox/job-faults", json={"vendor": vendor, "locale": locale}, timeout=10
    )
    answer.raise_for_status()
    print(f"Injected: {vendor} will fail the {locale} job (fallback is on)", flush=True)


def paid_jobs(stack: Stack) -> dict[str, int]:
    """The sandbox's count of billable objects created, per vendor and kind."""
    import httpx

    return httpx.get(f"{stack.sandbox_url}/_sandbox/counters", timeout=10).json()["created"]
