"""docker-compose.yaml is the topology table written out: valid Compose, same commands as the native stack."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from video_localization_dev import topology
from video_localization_dev.stack import Stack, _argv

PROJECT_DIR = Path(__file__).resolve().parents[2]
COMPOSE_FILE = PROJECT_DIR / "docker-compose.yaml"


def test_committed_compose_file_is_the_generated_one():
    assert COMPOSE_FILE.read_text() == topology.compose_yaml(), (
        "docker-compose.yaml is stale: regenerate it with "
        "`python -m video_localization_dev.topology compose > docker-compose.yaml`"
    )


def test_compose_file_validates_against_the_compose_specification():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_compose_file_is_refused_by_the_same_check(tmp_path):
    """The validation has teeth: an unknown service key fails it."""
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    document["services"]["scheduler"]["commandd"] = ["airflow", "scheduler"]
    broken = tmp_path / "docker-compose.yaml"
    broken.write_text(yaml.safe_dump(document))
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "commandd" in result.stdout + result.stderr


def test_compose_services_run_exactly_the_native_stacks_commands(tmp_path):
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    stack = Stack(
        home=tmp_path / "home",
        output_dir=tmp_path / "out",
        executor="CeleryExecutor",
        database_url="postgresql+psycopg2://postgres@127.0.0.1:5432/x",
        broker_url="redis://127.0.0.1:6379/11",
    )
    native = [topology.SANDBOX, *stack.components]
    assert set(native) == {topology.SANDBOX, *topology.AIRFLOW_COMPONENTS, *topology.CELERY_WORKERS}
    for name in native:
        argv = _argv(name)
        assert services[name]["command"] == topology.command(name)
        assert argv[1:] == topology.command(name)[1:]
    # Two workers on one machine stay two Celery nodes, and each serves its logs on a port of its own.
    assert services["worker-1"]["command"] != services["worker-2"]["command"]
    ports = {
        stack.component_env[w]["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] for w in topology.CELERY_WORKERS
    }
    assert len(ports) == 2


def test_compose_topology_has_every_component_on_celery_postgres_and_redis():
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    services = document["services"]
    assert {
        "postgres",
        "redis",
        "sandbox",
        "airflow-init",
        "api-server",
        "scheduler",
        "dag-processor",
    } <= set(services)
    assert {"triggerer", "worker-1", "worker-2"} <= set(services)
    env = services["scheduler"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379")
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://api-server:8080/execution/"
    # Every Airflow service shares one configuration and one image built from the Dockerfile.
    for name in (*topology.AIRFLOW_COMPONENTS, *topology.CELERY_WORKERS, "airflow-init"):
        assert services[name]["environment"] == env
        assert services[name]["build"]["dockerfile"] == "Dockerfile"
        assert services[name]["build"]["target"] == "airflow"
        if name != "airflow-init":
            migrated = services[name]["depends_on"]["airflow-init"]
            assert migrated == {"condition": "service_completed_successfully"}
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    assert "[distributed]" in dockerfile and "uv.lock" in dockerfile


def test_the_airflow_services_share_one_common_block_written_once():
    """image, user, environment and volumes stand once, in `x-airflow-common`, merged into each service."""
    text = COMPOSE_FILE.read_text()
    assert "x-airflow-common: &airflow-common\n" in text
    airflow_services = (*topology.AIRFLOW_COMPONENTS, *topology.CELERY_WORKERS, "airflow-init")
    assert text.count("<<: *airflow-common") == len(airflow_services)
    assert text.count("AIRFLOW__CORE__EXECUTOR:") == 1
    document = yaml.safe_load(text)
    common = document["x-airflow-common"]
    for name in airflow_services:
        service = document["services"][name]
        for key in ("image", "environment", "volumes"):
            assert service[key] == common[key], (name, key)
        assert service["user"] == "${AIRFLOW_UID:-50000}:0"  # the image's non-root user (or yours)


def test_every_airflow_component_and_the_sandbox_have_a_healthcheck_and_wait_for_healthy_services():
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    for name in (topology.SANDBOX, *topology.AIRFLOW_COMPONENTS, *topology.CELERY_WORKERS):
        check = services[name]["healthcheck"]["test"]
        # The very check the native stack runs (tests/integration/test_celery_stack.py), `$` escaped.
        assert check == ["CMD-SHELL", topology.healthcheck(name).replace("$", "$$")], name
    assert "--job-type SchedulerJob --local" in topology.healthcheck("scheduler")
    assert "--job-type DagProcessorJob --local" in topology.healthcheck("dag-processor")
    assert "--job-type TriggererJob --local" in topology.healthcheck("triggerer")
    assert "/api/v2/monitor/health" in topology.healthcheck(topology.API_SERVER)
    for worker in topology.CELERY_WORKERS:
        assert f'inspect ping --timeout 10 --destination "{worker}@${{HOSTNAME}}"' in topology.healthcheck(
            worker
        )
    for name in (*topology.AIRFLOW_COMPONENTS, *topology.CELERY_WORKERS):
        needs = services[name]["depends_on"]
        assert needs.pop("airflow-init") == {"condition": "service_completed_successfully"}
        assert {"postgres", "redis", topology.SANDBOX} <= set(needs)
        assert all(need == {"condition": "service_healthy"} for need in needs.values()), (name, needs)
        if name != topology.API_SERVER:
            assert topology.API_SERVER in needs


def test_compose_and_the_celery_stack_enable_the_test_button_and_share_the_cdnvideo_budget(tmp_path):
    env = yaml.safe_load(COMPOSE_FILE.read_text())["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__TEST_CONNECTION"] == "Enabled"
    assert env["AIRFLOW__VIDEO_LOCALIZATION__CDNVIDEO_PACING_URL"] == "redis://redis:6379/1"
    celery = Stack(
        home=tmp_path / "home",
        output_dir=tmp_path / "out",
        executor="CeleryExecutor",
        database_url="postgresql+psycopg2://postgres@127.0.0.1:5432/x",
        broker_url="redis://127.0.0.1:6379/11",
    ).env()
    assert celery["AIRFLOW__CORE__TEST_CONNECTION"] == "Enabled"
    assert celery["AIRFLOW__VIDEO_LOCALIZATION__CDNVIDEO_PACING_URL"] == "redis://127.0.0.1:6379/11"
    laptop = Stack(home=tmp_path / "home2", output_dir=tmp_path / "out").env()
    assert laptop["AIRFLOW__CORE__TEST_CONNECTION"] == "Enabled"
    assert "AIRFLOW__VIDEO_LOCALIZATION__CDNVIDEO_PACING_URL" not in laptop  # one machine: the file ledger


def test_native_and_compose_share_the_airflow_settings(tmp_path):
    stack = Stack(
        home=tmp_path / "home",
        output_dir=tmp_path / "out",
        executor="CeleryExecutor",
        database_url="postgresql+psycopg2://postgres@127.0.0.1:5432/x",
        broker_url="redis://127.0.0.1:6379/11",
        broker_key_prefix="vloc-x:",
    )
    native = stack.env()
    compose = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["scheduler"]["environment"]
    shared = topology.airflow_environment(
        executor="CeleryExecutor", api_url="x", database_url="x", broker_url="x"
    )
    for key in shared:
        assert key in native and key in compose, key
    assert native["AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX"] == "vloc-x:"
    assert native["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+postgresql+psycopg2://postgres@127.0.0.1:5432/x"


def test_the_laptop_default_stays_sqlite_and_local_executor(tmp_path):
    stack = Stack(home=tmp_path / "home", output_dir=tmp_path / "out")
    env = stack.env()
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN") == os.environ.get(
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"
    )
    assert stack.components == topology.AIRFLOW_COMPONENTS
