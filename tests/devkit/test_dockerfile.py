"""The Dockerfile, checked without a Docker engine (there is none on these machines): hadolint's rules, and
its structure: the official Airflow image at the locked version, its own non-root user and entrypoint,
the provider from a wheel with the lock's pins, the dev kit only in the sandbox target."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
DOCKERFILE = PROJECT_DIR / "Dockerfile"


def _stages() -> dict[str, list[str]]:
    """Instructions (continuation lines joined, comments dropped) per stage name."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    stages: dict[str, list[str]] = {"(args)": []}
    current = "(args)"
    for number, line in enumerate(text.splitlines()):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("FROM "):
            named = re.search(r"\bAS\s+(\S+)$", line)
            current = named.group(1) if named else f"(unnamed {number})"
            stages[current] = []
        stages[current].append(line)
    return stages


def _locked_version(name: str) -> str:
    lock = tomllib.loads((PROJECT_DIR / "uv.lock").read_text())
    [version] = [package["version"] for package in lock["package"] if package["name"] == name]
    return version


def test_hadolint_finds_nothing() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), str(DOCKERFILE)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_base_is_the_official_image_of_the_locked_airflow_on_python_3_11() -> None:
    stages = _stages()
    [arg] = [line for line in stages["(args)"] if line.startswith("ARG AIRFLOW_IMAGE=")]
    assert arg == f"ARG AIRFLOW_IMAGE=apache/airflow:{_locked_version('apache-airflow')}-python3.11"
    assert stages["airflow"][0] == "FROM ${AIRFLOW_IMAGE} AS airflow"
    assert stages["wheels"][0].startswith("FROM python:3.11-")  # wheels built by the same Python


def test_the_images_run_as_the_official_user_with_the_official_entrypoint() -> None:
    stages = _stages()
    instructions = [line for lines in stages.values() for line in lines]
    assert not [line for line in instructions if line.split()[0] in ("ENTRYPOINT", "CMD")]
    users = [line for line in instructions if line.startswith("USER ")]
    assert users == ["USER airflow"]  # never root, in any target
    # The sandbox and the default target both start from the `airflow` stage (so, as its user).
    assert stages["sandbox"][0] == "FROM airflow AS sandbox"
    [default] = [name for name in stages if name.startswith("(unnamed")]
    assert stages[default][0] == "FROM airflow"
    assert list(stages)[-1] == default


def test_the_provider_comes_from_a_wheel_with_the_locks_pins_and_the_dev_kit_only_in_the_sandbox() -> None:
    stages = _stages()
    wheels = " ".join(stages["wheels"])
    assert "uv build --wheel --all-packages --out-dir /wheels" in wheels
    assert "uv export --frozen" in wheels and "--no-emit-workspace" in wheels
    assert "COPY dags" not in wheels  # DAGs are mounted (compose) or copied by the deployment, not baked
    provider = " ".join(stages["airflow"])
    assert "--constraint /wheels/constraints.txt" in provider
    assert "airflow_provider_video_localization-*.whl)[distributed]" in provider
    assert '"apache-airflow==${AIRFLOW_VERSION}"' in provider
    assert "devkit" not in provider
    sandbox = " ".join(stages["sandbox"])
    assert "--constraint /wheels/constraints.txt /wheels/video_localization_devkit-*.whl" in sandbox


def test_compose_builds_each_service_from_its_target() -> None:
    services = yaml.safe_load((PROJECT_DIR / "docker-compose.yaml").read_text())["services"]
    targets = {name: service["build"]["target"] for name, service in services.items() if "build" in service}
    assert targets.pop("sandbox") == "sandbox"
    assert set(targets.values()) == {"airflow"} and len(targets) == 7
    assert set(_stages()) >= {"airflow", "sandbox"}
