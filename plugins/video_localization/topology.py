"""One table of the distributed topology's processes, for the native stack and docker-compose alike.

Every component is started with the same command in both places: the native Celery stack
(`Stack(executor="CeleryExecutor")`, used by the integration test) spawns `COMMANDS[name]`, and
`compose_document()` writes the very same argv as each service's `command`. What differs between a
laptop and containers (ports, host names, database and broker addresses) lives in the environment,
never in a command line.

`python -m video_localization.topology sandbox` serves the vendor sandbox with its address taken from
`VLOC_SANDBOX_HOST`, `VLOC_SANDBOX_PORT`, `VLOC_SANDBOX_PUBLIC_URL` and `VLOC_SANDBOX_STEP_SECONDS`, so
its command too is the same everywhere (in a container the public URL is `http://sandbox:8900`, not
the address it binds to).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from video_localization.sandbox.connections import sandbox_connections

SANDBOX = "sandbox"
API_SERVER = "api-server"
#: Airflow's own components, each its own process (or container).
AIRFLOW_COMPONENTS = (API_SERVER, "scheduler", "dag-processor", "triggerer")
#: The Celery workers of the distributed topology (two, to show tasks spreading over workers).
CELERY_WORKERS = ("worker-1", "worker-2")

#: The command of every component. `airflow`, `vloc` and `python` are resolved to the virtualenv's
#: console scripts natively and to the image's PATH in containers.
COMMANDS: dict[str, tuple[str, ...]] = {
    SANDBOX: ("python", "-m", "video_localization.topology", "sandbox"),
    API_SERVER: ("airflow", "api-server"),
    "scheduler": ("airflow", "scheduler"),
    "dag-processor": ("airflow", "dag-processor"),
    "triggerer": ("airflow", "triggerer"),
    # `%h` is the machine's host name: each worker's Celery node name stays unique, natively (two
    # workers on one host) and in containers (where `docker compose --scale` adds more).
    **{
        worker: ("airflow", "celery", "worker", "--celery-hostname", f"{worker}@%h")
        for worker in CELERY_WORKERS
    },
}

# -- the compose file's fixed addresses --------------------------------------------------------------
COMPOSE_API_PORT = 8080
COMPOSE_SANDBOX_PORT = 8900
COMPOSE_PROJECT = "video-localization"
POSTGRES_IMAGE = "postgres:16"
REDIS_IMAGE = "redis:7"
IMAGE = "video-localization-airflow:latest"
ADMIN_USER = "admin"


def command(name: str) -> list[str]:
    """The argv of a component, as the table has it (`KeyError` for an unknown component)."""
    return list(COMMANDS[name])


def components(executor: str) -> tuple[str, ...]:
    """Airflow's processes for an executor: the four components, plus the workers for Celery."""
    if executor == "CeleryExecutor":
        return AIRFLOW_COMPONENTS + CELERY_WORKERS
    return AIRFLOW_COMPONENTS


def airflow_environment(
    *,
    executor: str,
    api_url: str,
    database_url: str | None = None,
    broker_url: str | None = None,
    broker_key_prefix: str | None = None,
    worker_concurrency: int = 2,
) -> dict[str, str]:
    """The Airflow settings the native stack and the compose file share (addresses are arguments)."""
    env = {
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__EXECUTOR": executor,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_url}/execution/",
        "AIRFLOW__API__BASE_URL": api_url,
        "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": "True",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
        "PYTHONUNBUFFERED": "1",
    }
    if database_url:
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = database_url
    if executor == "CeleryExecutor":
        if not broker_url or not database_url:
            raise ValueError("the CeleryExecutor needs a broker URL and a (PostgreSQL) database URL")
        env.update(
            {
                "AIRFLOW__CELERY__BROKER_URL": broker_url,
                # Task states go back through Airflow's own database, not the broker.
                "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + database_url,
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(worker_concurrency),
            }
        )
        # Callback wakes (core.wait.wake) from the api-server to the triggerer, which may run on other
        # machines: Redis pub/sub on the broker's Redis (already there, nothing new to run).
        if broker_url.startswith(("redis://", "rediss://")):
            env["AIRFLOW__VIDEO_LOCALIZATION__WAKE_CHANNEL"] = broker_url
        if broker_key_prefix:
            # Kombu's Redis transport prefixes every key: several stacks can share one Redis database.
            env["AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX"] = broker_key_prefix
            env["AIRFLOW__VIDEO_LOCALIZATION__WAKE_PREFIX"] = broker_key_prefix.rstrip(":_") or "vloc"
    return env


# -- docker-compose.yaml -------------------------------------------------------------------------------
def _compose_environment() -> dict[str, str]:
    database = "postgresql+psycopg2://airflow:airflow@postgres:5432/airflow"
    api_url = f"http://{API_SERVER}:{COMPOSE_API_PORT}"
    sandbox_url = f"http://{SANDBOX}:{COMPOSE_SANDBOX_PORT}"
    env = airflow_environment(
        executor="CeleryExecutor",
        api_url=api_url,
        database_url=database,
        broker_url="redis://redis:6379/0",
        worker_concurrency=4,
    )
    env.update(
        {
            # Every container signs and checks the same tokens: set these two to your own secrets.
            "AIRFLOW__API_AUTH__JWT_SECRET": "${AIRFLOW_JWT_SECRET:-change-me-jwt-secret}",
            "AIRFLOW__API__SECRET_KEY": "${AIRFLOW_SECRET_KEY:-change-me-api-secret}",
            "AIRFLOW__API__HOST": "0.0.0.0",
            "AIRFLOW__API__PORT": str(COMPOSE_API_PORT),
            "AIRFLOW__CORE__DAGS_FOLDER": "/opt/video-localization/dags",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": "/opt/airflow/passwords.json",
            **sandbox_connections(sandbox_url),
            "VLOC_OUTPUT_DIR": "/opt/video-localization/output",
            "VLOC_INTAKE_INBOX": "/opt/video-localization/inbox",
            "VLOC_SANDBOX_HOST": "0.0.0.0",
            "VLOC_SANDBOX_PORT": str(COMPOSE_SANDBOX_PORT),
            "VLOC_SANDBOX_PUBLIC_URL": sandbox_url,
            "VLOC_SANDBOX_STEP_SECONDS": "2",
        }
    )
    return env


def _healthcheck(test: list[str], interval: str = "10s") -> dict[str, Any]:
    return {"test": test, "interval": interval, "timeout": "10s", "retries": 10, "start_period": "20s"}


def compose_document() -> dict[str, Any]:
    """The whole `docker-compose.yaml`: PostgreSQL, Redis, the sandbox, a one-off migration, Airflow."""
    volumes = [
        "./dags:/opt/video-localization/dags",
        "./output:/opt/video-localization/output",
        "./inbox:/opt/video-localization/inbox",
        "airflow-home:/opt/airflow",
    ]
    build = {"context": ".", "dockerfile": "Dockerfile"}
    airflow_common: dict[str, Any] = {
        "build": build,
        "image": IMAGE,
        "environment": _compose_environment(),
        "volumes": volumes,
        "restart": "unless-stopped",
    }
    needs = {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "airflow-init": {"condition": "service_completed_successfully"},
    }
    services: dict[str, Any] = {
        "postgres": {
            "image": POSTGRES_IMAGE,
            "environment": {
                "POSTGRES_USER": "airflow",
                "POSTGRES_PASSWORD": "airflow",
                "POSTGRES_DB": "airflow",
            },
            "volumes": ["postgres-data:/var/lib/postgresql/data"],
            "healthcheck": _healthcheck(["CMD", "pg_isready", "-U", "airflow"], "5s"),
            "restart": "unless-stopped",
        },
        "redis": {
            "image": REDIS_IMAGE,
            "healthcheck": _healthcheck(["CMD", "redis-cli", "ping"], "5s"),
            "restart": "unless-stopped",
        },
        SANDBOX: {
            "build": build,
            "image": IMAGE,
            "command": command(SANDBOX),
            "environment": {
                key: value for key, value in _compose_environment().items() if key.startswith("VLOC_SANDBOX_")
            },
            "ports": [f"{COMPOSE_SANDBOX_PORT}:{COMPOSE_SANDBOX_PORT}"],
            "healthcheck": _healthcheck(
                [
                    "CMD",
                    "python",
                    "-c",
                    "import urllib.request; "
                    f"urllib.request.urlopen('http://localhost:{COMPOSE_SANDBOX_PORT}/_sandbox/health')",
                ],
                "5s",
            ),
            "restart": "unless-stopped",
        },
        "airflow-init": {
            **airflow_common,
            "command": ["airflow", "db", "migrate"],
            "restart": "no",
            "depends_on": {
                "postgres": {"condition": "service_healthy"},
                "redis": {"condition": "service_healthy"},
            },
        },
    }
    for name in AIRFLOW_COMPONENTS + CELERY_WORKERS:
        service: dict[str, Any] = {
            **airflow_common,
            "command": command(name),
            "depends_on": {**needs, SANDBOX: {"condition": "service_started"}},
        }
        if name == API_SERVER:
            service["ports"] = [f"{COMPOSE_API_PORT}:{COMPOSE_API_PORT}"]
            service["healthcheck"] = _healthcheck(
                [
                    "CMD",
                    "python",
                    "-c",
                    "import urllib.request; "
                    f"urllib.request.urlopen('http://localhost:{COMPOSE_API_PORT}/api/v2/monitor/health')",
                ]
            )
        else:
            service["depends_on"][API_SERVER] = {"condition": "service_healthy"}
        services[name] = service
    return {
        "name": COMPOSE_PROJECT,
        "services": services,
        "volumes": {"postgres-data": {}, "airflow-home": {}},
    }


COMPOSE_HEADER = (
    "# Generated by `python -m video_localization.topology compose > docker-compose.yaml`; edit\n"
    "# plugins/video_localization/topology.py instead (a test keeps the two equal).\n"
    "# Airflow 3.3 with the CeleryExecutor: PostgreSQL, Redis, the vendor sandbox, api-server, scheduler,\n"
    "# dag-processor, triggerer and two Celery workers, the project installed in the image (Dockerfile).\n"
    "# Up:   docker compose up -d --build    UI: http://localhost:8080 (admin; password printed by the\n"
    "#       api-server: docker compose exec api-server cat /opt/airflow/passwords.json)\n"
)


def compose_yaml() -> str:
    """The compose document as YAML, commands as flow lists so each reads as one line."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:  # every service spelled out, no YAML anchors
            return True

    def _list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
        flow = all(isinstance(item, str) for item in data) and len(data) <= 8
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    _Dumper.add_representer(list, _list)
    body = yaml.dump(compose_document(), Dumper=_Dumper, sort_keys=False, width=10_000, allow_unicode=True)
    return COMPOSE_HEADER + body


# -- entry points ----------------------------------------------------------------------------------------
def serve_sandbox(environ: Mapping[str, str] = os.environ) -> None:
    """Serve the sandbox where the environment says (the container's and the native stack's command)."""
    import uvicorn

    from video_localization.sandbox.app import create_app
    from video_localization.sandbox.state import SandboxSettings

    host = environ.get("VLOC_SANDBOX_HOST", "127.0.0.1")
    port = int(environ.get("VLOC_SANDBOX_PORT", str(COMPOSE_SANDBOX_PORT)))
    public_url = environ.get("VLOC_SANDBOX_PUBLIC_URL") or f"http://{host}:{port}"
    step = float(environ.get("VLOC_SANDBOX_STEP_SECONDS", "2"))
    settings = SandboxSettings(step_seconds=step, public_url=public_url)
    print(f"Vendor sandbox on {host}:{port} (public URL {public_url}, step {step:g} s)", flush=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["sandbox"]:
        serve_sandbox()
        return 0
    if args == ["compose"]:
        sys.stdout.write(compose_yaml())
        return 0
    print("usage: python -m video_localization.topology {sandbox|compose}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
