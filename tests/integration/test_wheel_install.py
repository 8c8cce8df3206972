"""Issue 14's "must show": the provider as a team installs it, from wheels, with nothing of the checkout
but `dags/`.

The repository builds its two wheels (`uv build`: the provider and the dev kit) into a temporary folder,
installs them into a fresh virtualenv with the lock's pins as constraints (the same `uv export` the
Dockerfile runs; uv's cache is warm, so this is offline-friendly), copies `dags/` into a temporary folder,
and then, in that virtualenv, from a working folder outside the checkout:

- `airflow providers hooks` / `triggers` / `get --full` list our hooks, triggers and sensors;
- `airflow config list --section video_localization` documents our settings;
- `Connection(conn_type=t).get_hook()` builds our hook for all five connection types;
- the four DAGs load with no import errors;
- a `dag.test()` run of `localize_video` against the sandbox (served by the installed dev kit) delivers its
  files to the configured output root (`AIRFLOW__VIDEO_LOCALIZATION__OUTPUT_ROOT`).

It also checks that the provider wheel holds no dev kit, no sandbox, and requires no web-server packages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import httpx
import pytest

from video_localization_dev.sandbox.server import free_port

pytestmark = pytest.mark.integration

PROJECT_DIR = Path(__file__).resolve().parents[2]
PROVIDER = "airflow-provider-video-localization"
CONN_TYPES = {
    "panjaya": "video_localization.panjaya.hook.PanjayaHook",
    "akool": "video_localization.akool.hook.AkoolHook",
    "blendvision": "video_localization.blendvision.hook.BlendVisionHook",
    "rev": "video_localization.rev.hook.RevHook",
    "cdnvideo": "video_localization.cdnvideo.hook.CDNVideoHook",
}
DAG_IDS = {"localize_video", "localization_intake", "talking_head_video", "vendor_housekeeping"}
#: The lock as pip/uv constraints: the same command as the Dockerfile's (test_dockerfile checks it there).
EXPORT = [
    "export",
    "--frozen",
    "--quiet",
    "--no-hashes",
    "--no-emit-workspace",
    "--all-packages",
    "--all-extras",
    "--no-dev",
]


def _uv() -> str:
    found = PROJECT_DIR / ".tools" / "bin" / "uv"
    if found.exists():
        return str(found)
    on_path = shutil.which("uv")
    assert on_path, "uv is needed to build the wheels (`make` installs it into .tools/)"
    return on_path


@dataclass
class Installed:
    """A virtualenv holding only the two wheels (and their locked dependencies), and a folder to run in."""

    wheels: Path
    venv: Path
    work: Path
    env: dict[str, str]

    def run(self, *argv: str, timeout: float = 300, **env: str) -> str:
        program, *args = argv
        result = subprocess.run(
            [str(self.venv / "bin" / program), *args],
            env={**self.env, **env},
            cwd=self.work,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, f"{argv} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
        return result.stdout

    def python(self, code: str, timeout: float = 300, **env: str) -> str:
        return self.run("python", "-c", code, timeout=timeout, **env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel-install")
    wheels, venv, work = root / "wheels", root / "venv", root / "work"
    work.mkdir()
    uv = _uv()
    quiet = {"capture_output": True, "text": True, "check": True, "timeout": 600}
    subprocess.run(
        [uv, "build", "--wheel", "--all-packages", "--out-dir", str(wheels)], cwd=PROJECT_DIR, **quiet
    )
    constraints = root / "constraints.txt"
    subprocess.run([uv, *EXPORT, "--output-file", str(constraints)], cwd=PROJECT_DIR, **quiet)
    # Outside the checkout from here on: uv finds no project, Python imports nothing from it.
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=root, **quiet)
    subprocess.run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv / "bin" / "python"),
            "--constraint",
            str(constraints),
            *(str(wheel) for wheel in sorted(wheels.glob("*.whl"))),
        ],
        cwd=root,
        **quiet,
    )
    shutil.copytree(PROJECT_DIR / "dags", work / "dags")
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(root),
        "LANG": "C.UTF-8",
        "AIRFLOW_HOME": str(root / "airflow-home"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(work / "dags"),
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__VIDEO_LOCALIZATION__OUTPUT_ROOT": str(root / "deliveries"),
        "AIRFLOW__VIDEO_LOCALIZATION__POLL_INTERVAL": "0.2",
        "AIRFLOW__VIDEO_LOCALIZATION__MAX_POLL_INTERVAL": "0.5",
    }
    yield Installed(wheels=wheels, venv=venv, work=work, env=env)


def _wheel(installed: Installed, distribution: str) -> zipfile.ZipFile:
    [path] = installed.wheels.glob(distribution.replace("-", "_") + "-*.whl")
    return zipfile.ZipFile(path)


def test_the_provider_wheel_holds_the_provider_only(installed: Installed) -> None:
    with _wheel(installed, PROVIDER) as wheel:
        names = wheel.namelist()
        [metadata_name] = [name for name in names if name.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(wheel.read(metadata_name).decode())
    assert not [name for name in names if "video_localization_dev" in name or "/sandbox/" in name]
    with _wheel(installed, PROVIDER) as wheel:
        [entry_points] = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
        declared = wheel.read(entry_points).decode()
    assert "video_localization_dev" not in declared and "vloc" not in declared  # `vloc` is the dev kit's
    assert "video_localization/data/languages/panjaya.csv" in names  # its data ships in the package
    requirements = [req.split(";")[0].strip().lower() for req in metadata.get_all("Requires-Dist") or []]
    for web in ("fastapi", "uvicorn", "python-multipart"):
        assert not [req for req in requirements if req.startswith(web)], requirements
    with _wheel(installed, "video-localization-devkit") as devkit:
        assert any(name.startswith("video_localization_dev/sandbox/") for name in devkit.namelist())


def test_nothing_is_imported_from_the_checkout(installed: Installed) -> None:
    where = json.loads(
        installed.python(
            "import json, video_localization, video_localization_dev; "
            "print(json.dumps([video_localization.__file__, video_localization_dev.__file__]))"
        )
    )
    for path in where:
        assert str(installed.venv) in path and str(PROJECT_DIR) not in path


def test_airflow_lists_our_hooks_triggers_and_sensors(installed: Installed) -> None:
    hooks = json.loads(installed.run("airflow", "providers", "hooks", "-o", "json"))
    ours = {hook["connection_type"]: hook["class"] for hook in hooks if hook["package_name"] == PROVIDER}
    assert ours == CONN_TYPES
    triggers = json.loads(installed.run("airflow", "providers", "triggers", "-o", "json"))
    modules = {trigger["class"] for trigger in triggers if trigger["package_name"] == PROVIDER}
    assert {f"video_localization.{vendor}.triggers" for vendor in CONN_TYPES} <= modules
    [info] = json.loads(installed.run("airflow", "providers", "get", PROVIDER, "--full", "-o", "json"))
    sensors = {module for entry in info["sensors"] for module in entry["python-modules"]}
    assert {f"video_localization.{vendor}.sensors" for vendor in CONN_TYPES} <= sensors
    # Every module the provider info names imports from the installed wheel.
    named = sorted(
        {m for kind in ("hooks", "operators", "sensors") for e in info[kind] for m in e["python-modules"]}
    )
    installed.python(f"import importlib; [importlib.import_module(m) for m in {named!r}]")


def test_airflow_config_lists_our_settings(installed: Installed) -> None:
    listed = installed.run("airflow", "config", "list", "--section", "video_localization")
    assert "[video_localization]" in listed
    for key in ("output_root", "intake_inbox", "poll_interval", "max_poll_interval", "cdnvideo_pacing_url"):
        assert f"{key} = " in listed, listed


def test_get_hook_works_for_all_five_connection_types(installed: Installed) -> None:
    code = f"""
import json
from airflow.sdk import Connection

hooks = {{t: Connection(conn_id=f"{{t}}_x", conn_type=t).get_hook() for t in {sorted(CONN_TYPES)!r}}}
names = {{t: f"{{type(h).__module__}}.{{type(h).__name__}}" for t, h in hooks.items()}}
print(json.dumps({{t: [names[t], getattr(h, h.conn_name_attr)] for t, h in hooks.items()}}))
"""
    built = json.loads(installed.python(code))
    assert built == {t: [cls, f"{t}_x"] for t, cls in CONN_TYPES.items()}


def test_the_four_dags_load_without_import_errors(installed: Installed) -> None:
    code = """
import json
from airflow.dag_processing.dagbag import DagBag

bag = DagBag()
errors = {path: str(error) for path, error in bag.import_errors.items()}
print(json.dumps({"dags": sorted(bag.dag_ids), "errors": errors}))
"""
    loaded = json.loads(installed.python(code).strip().splitlines()[-1])
    assert loaded["errors"] == {}
    assert set(loaded["dags"]) == DAG_IDS


@pytest.fixture
def sandbox_url(installed: Installed) -> Iterator[str]:
    """The vendor sandbox, served by the dev kit installed from its wheel (the compose sandbox's command)."""
    port = free_port()
    process = subprocess.Popen(
        [str(installed.venv / "bin" / "python"), "-m", "video_localization_dev.topology", "sandbox"],
        env={
            **installed.env,
            "VLOC_SANDBOX_HOST": "127.0.0.1",
            "VLOC_SANDBOX_PORT": str(port),
            "VLOC_SANDBOX_STEP_SECONDS": "0.3",
        },
        cwd=installed.work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                if httpx.get(f"{url}/_sandbox/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the installed sandbox did not answer in 60 s"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_dag_test_run_delivers_to_the_configured_output_root(
    installed: Installed, sandbox_url: str
) -> None:
    installed.run("airflow", "db", "migrate", timeout=300)
    code = """
import json, os
from airflow.dag_processing.dagbag import DagBag
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.connections import sandbox_connections

os.environ.update(sandbox_connections(os.environ["SANDBOX_URL"]))
# Trust boundaries, as a deployment configures them: local sources from the sample media only, and the
# sandbox's own address allowed although it is loopback.
os.environ["AIRFLOW__VIDEO_LOCALIZATION__SOURCE_ROOTS"] = str(media_dir())
os.environ["AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS"] = os.environ["SANDBOX_URL"].split("://")[1]
bag = DagBag()
run = bag.get_dag("localize_video").test(
    run_conf={
        "source": str(media_dir() / "sample.mp4"),
        "source_language": "en-US",
        "target_languages": ["fr-FR", "de-DE"],
    }
)
states = {f"{ti.task_id}[{ti.map_index}]": str(ti.state) for ti in run.get_task_instances()}
print(json.dumps({"run_id": run.run_id, "state": str(run.state), "states": states}))
"""
    result = json.loads(installed.python(code, timeout=600, SANDBOX_URL=sandbox_url).strip().splitlines()[-1])
    assert result["state"].endswith("success"), result
    root = Path(installed.env["AIRFLOW__VIDEO_LOCALIZATION__OUTPUT_ROOT"])
    [manifest_path] = root.glob("*/manifest.json")  # <date>-<title>/manifest.json
    run_dir = manifest_path.parent
    manifest = json.loads(manifest_path.read_text())
    assert [language["locale"] for language in manifest["languages"]] == ["fr-FR", "de-DE"]
    for language in manifest["languages"]:
        assert language["status"] == "delivered"
        for entry in language["files"]:
            path = run_dir / entry["path"]
            assert path.stat().st_size == entry["bytes"] > 0, entry
    counters = httpx.get(f"{sandbox_url}/_sandbox/counters", timeout=10).json()["created"]
    assert counters == {"panjaya:asset": 1, "panjaya:generation": 2}
