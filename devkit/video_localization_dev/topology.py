"""One table of the distributed topology's processes, for the native stack and docker-compose alike.

Every component is started with the same command in both places: the native Celery stack
(`Stack(executor="CeleryExecutor")`, used by the integration test) spawns `COMMANDS[name]`, and
`compose_document()` writes the very same argv as each service's `command`. What differs between a
laptop and containers (ports, host names, database and broker addresses) lives in the environment,
never in a command line.

`python -m video_localization_dev.topology sandbox` serves the vendor sandbox with its address taken from
`VLOC_SANDBOX_HOST`, `VLOC_SANDBOX_PORT`, `VLOC_SANDBOX_PUBLIC_URL` and `VLOC_SANDBOX_STEP_SECONDS`, so
its command too is the same everywhere (in a container the public URL is `http://sandbox:8900`, not
the address it binds to).

`HEALTHCHECKS` holds each component's health check, a shell command that reads its ports and host name
from the environment, so the compose file's checks can be (and are, in the Celery integration test) run
against the native stack too.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from video_localization_dev.sandbox.connections import sandbox_connections

SANDBOX = "sandbox"
API_SERVER = "api-server"
#: Airflow's own components, each its own process (or container).
AIRFLOW_COMPONENTS = (API_SERVER, "scheduler", "dag-processor", "triggerer")
#: The Celery workers of the distributed topology (two, to show tasks spreading over workers).
CELERY_WORKERS = ("worker-1", "worker-2")

#: The command of every component. `airflow`, `vloc` and `python` are resolved to the virtualenv's
#: console scripts natively and to the image's PATH in containers.
COMMANDS: dict[str, tuple[str, ...]] = {
    SANDBOX: ("python", "-m", "video_localization_dev.topology", "sandbox"),
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

#: Each component's health check: one shell command (compose runs it with CMD-SHELL), its addresses taken
#: from the environment both places set, so the native stack can run the very same checks. Airflow's own
#: jobs answer `airflow jobs check` for the job of this host; a Celery worker answers a ping to its node.
CELERY_APP = "airflow.providers.celery.executors.celery_executor.app"
HEALTHCHECKS: dict[str, str] = {
    SANDBOX: "curl --fail --silent --show-error http://127.0.0.1:${VLOC_SANDBOX_PORT}/_sandbox/health",
    API_SERVER: "curl --fail --silent --show-error http://127.0.0.1:${AIRFLOW__API__PORT}/api/v2/monitor/health",
    "scheduler": "airflow jobs check --job-type SchedulerJob --local",
    "dag-processor": "airflow jobs check --job-type DagProcessorJob --local",
    "triggerer": "airflow jobs check --job-type TriggererJob --local",
    **{
        worker: f'celery --app {CELERY_APP} inspect ping --timeout 10 --destination "{worker}@${{HOSTNAME}}"'
        for worker in CELERY_WORKERS
    },
}

# -- the compose file's fixed addresses --------------------------------------------------------------
COMPOSE_API_PORT = 8080
COMPOSE_SANDBOX_PORT = 8900
COMPOSE_PROJECT = "video-localization"
POSTGRES_IMAGE = "postgres:16"
REDIS_IMAGE = "redis:7"
#: The Dockerfile's two targets: Airflow with the provider, and that plus the dev kit (sandbox only).
IMAGE = "video-localization-airflow:latest"
SANDBOX_IMAGE = "video-localization-sandbox:latest"
#: The official image's AIRFLOW_HOME; DAGs, deliverables and the inbox are mounted under it.
CONTAINER_HOME = "/opt/airflow"
ADMIN_USER = "admin"


def command(name: str) -> list[str]:
    """The argv of a component, as the table has it (`KeyError` for an unknown component)."""
    return list(COMMANDS[name])


def healthcheck(name: str) -> str:
    """The health check of a component, as a shell command (`KeyError` for an unknown component)."""
    return HEALTHCHECKS[name]


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
    pacing_url: str | None = None,
) -> dict[str, str]:
    """The Airflow settings the native stack and the compose file share (addresses are arguments).

    With the CeleryExecutor the CDNvideo POST budget is kept in Redis (`pacing_url`, by default the
    broker's): workers on several machines share no temp folder, so a file ledger each would multiply it.
    """
    env = {
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__EXECUTOR": executor,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_url}/execution/",
        "AIRFLOW__API__BASE_URL": api_url,
        "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": "True",
        # The Test button of the connection form (and POST /api/v2/connections/test): off by default.
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
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
        pacing = pacing_url or (broker_url if broker_url.startswith(("redis://", "rediss://")) else "")
        if pacing:
            env["AIRFLOW__VIDEO_LOCALIZATION__CDNVIDEO_PACING_URL"] = pacing
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
        # A Redis database of its own for the CDNvideo POST ledger, apart from the broker's queues.
        pacing_url="redis://redis:6379/1",
    )
    env.update(
        {
            # Every container signs and checks the same tokens: set these two to your own secrets.
            "AIRFLOW__API_AUTH__JWT_SECRET": "${AIRFLOW_JWT_SECRET:-change-me-jwt-secret}",
            "AIRFLOW__API__SECRET_KEY": "${AIRFLOW_SECRET_KEY:-change-me-api-secret}",
            "AIRFLOW__API__HOST": "0.0.0.0",
            "AIRFLOW__API__PORT": str(COMPOSE_API_PORT),
            "AIRFLOW__CORE__DAGS_FOLDER": f"{CONTAINER_HOME}/dags",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": f"{CONTAINER_HOME}/passwords.json",
            **sandbox_connections(sandbox_url),
            "AIRFLOW__VIDEO_LOCALIZATION__OUTPUT_ROOT": f"{CONTAINER_HOME}/output",
            "AIRFLOW__VIDEO_LOCALIZATION__INTAKE_INBOX": f"{CONTAINER_HOME}/inbox",
            # Trust boundaries: user URLs may name the sandbox (its sample media), no other private host.
            "AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS": urlparse(sandbox_url).netloc,
        }
    )
    return env


def _sandbox_environment() -> dict[str, str]:
    return {
        "VLOC_SANDBOX_HOST": "0.0.0.0",
        "VLOC_SANDBOX_PORT": str(COMPOSE_SANDBOX_PORT),
        "VLOC_SANDBOX_PUBLIC_URL": f"http://{SANDBOX}:{COMPOSE_SANDBOX_PORT}",
        "VLOC_SANDBOX_STEP_SECONDS": "2",
        # The image's entrypoint waits for Airflow's database before any command; the sandbox has none.
        "CONNECTION_CHECK_MAX_COUNT": "0",
    }


def _healthcheck(test: list[str], interval: str = "10s") -> dict[str, Any]:
    return {"test": test, "interval": interval, "timeout": "30s", "retries": 10, "start_period": "30s"}


def _component_healthcheck(name: str, interval: str = "10s") -> dict[str, Any]:
    """A component's shell check from `HEALTHCHECKS`, its `$` escaped from compose's own interpolation."""
    return _healthcheck(["CMD-SHELL", healthcheck(name).replace("$", "$$")], interval)


def _ready(*names: str) -> dict[str, dict[str, str]]:
    return {name: {"condition": "service_healthy"} for name in names}


#: The YAML merge key (`<<`): each Airflow service starts from the `x-airflow-common` block.
MERGE = "<<"
COMMON_KEY = "x-airflow-common"


def compose_document() -> dict[str, Any]:
    """The whole `docker-compose.yaml`: PostgreSQL, Redis, the sandbox, a one-off migration, Airflow.

    What every Airflow service shares (image, environment, volumes, user) is one `x-airflow-common` block
    that each service merges (`<<: *airflow-common`); the same dict object stands in both places, and
    `compose_yaml()` writes it once with an anchor.
    """
    common: dict[str, Any] = {
        "build": {"context": ".", "dockerfile": "Dockerfile", "target": "airflow"},
        "image": IMAGE,
        # The official image runs as `airflow` (uid 50000, gid 0); AIRFLOW_UID=$(id -u) on Linux makes the
        # delivered files yours.
        "user": "${AIRFLOW_UID:-50000}:0",
        "environment": _compose_environment(),
        "volumes": [
            f"./dags:{CONTAINER_HOME}/dags",
            f"./output:{CONTAINER_HOME}/output",
            f"./inbox:{CONTAINER_HOME}/inbox",
            f"airflow-home:{CONTAINER_HOME}",
        ],
        "restart": "unless-stopped",
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
            "build": {"context": ".", "dockerfile": "Dockerfile", "target": "sandbox"},
            "image": SANDBOX_IMAGE,
            "command": command(SANDBOX),
            "environment": _sandbox_environment(),
            "ports": [f"{COMPOSE_SANDBOX_PORT}:{COMPOSE_SANDBOX_PORT}"],
            "healthcheck": _component_healthcheck(SANDBOX, "5s"),
            "restart": "unless-stopped",
        },
        "airflow-init": {
            MERGE: common,
            # The schema migration, as the native stack's; as the Airflow user like every service (make
            # `output/` and `inbox/` before `up`, so Docker does not create them as root).
            "command": ["airflow", "db", "migrate"],
            "restart": "no",
            "depends_on": _ready("postgres", "redis"),
        },
    }
    for name in AIRFLOW_COMPONENTS + CELERY_WORKERS:
        service: dict[str, Any] = {
            MERGE: common,
            "command": command(name),
            "healthcheck": _component_healthcheck(name),
            "depends_on": {
                **_ready("postgres", "redis", SANDBOX),
                "airflow-init": {"condition": "service_completed_successfully"},
            },
        }
        if name == API_SERVER:
            service["ports"] = [f"{COMPOSE_API_PORT}:{COMPOSE_API_PORT}"]
        else:
            # Tasks and triggers talk to the Execution API: the api-server answers first.
            service["depends_on"].update(_ready(API_SERVER))
        services[name] = service
    return {
        "name": COMPOSE_PROJECT,
        COMMON_KEY: common,
        "services": services,
        "volumes": {"postgres-data": {}, "airflow-home": {}},
    }


COMPOSE_HEADER = (
    "# Generated by `python -m video_localization_dev.topology compose > docker-compose.yaml`; edit\n"
    "# devkit/video_localization_dev/topology.py instead (a test keeps the two equal).\n"
    "# Airflow 3.3 with the CeleryExecutor: PostgreSQL, Redis, the vendor sandbox, api-server, scheduler,\n"
    "# dag-processor, triggerer and two Celery workers, on the official apache/airflow image with this\n"
    "# provider installed from wheels (Dockerfile, target `airflow`; the sandbox adds the dev kit).\n"
    "# Up:   mkdir -p output inbox && AIRFLOW_UID=$(id -u) docker compose up -d --build\n"
    "# UI:   http://localhost:8080 (admin; docker compose exec api-server cat /opt/airflow/passwords.json)\n"
)


def compose_yaml() -> str:
    """The compose document as YAML: the common block once (an anchor), merged into each Airflow service;
    commands as flow lists so each reads as one line."""
    import yaml

    document = compose_document()
    common = document[COMMON_KEY]

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:  # only the common block is written once and aliased
            return data is not common

        def generate_anchor(self, node: yaml.Node) -> str:
            return "airflow-common"

    def _list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
        flow = all(isinstance(item, str) for item in data) and len(data) <= 8
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    def _str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
        if data == MERGE:  # the merge key, written plain (`<<`), not as the string '<<'
            return dumper.represent_scalar("tag:yaml.org,2002:merge", data)
        return dumper.represent_str(data)

    _Dumper.add_representer(list, _list)
    _Dumper.add_representer(str, _str)
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=10_000, allow_unicode=True)
    return COMPOSE_HEADER + body


# -- entry points ----------------------------------------------------------------------------------------
def serve_sandbox(environ: Mapping[str, str] = os.environ) -> None:
    """Serve the sandbox where the environment says (the container's and the native stack's command)."""
    import uvicorn

    from video_localization_dev.sandbox.app import create_app
    from video_localization_dev.sandbox.state import SandboxSettings

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
    print("usage: python -m video_localization_dev.topology {sandbox|compose}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
