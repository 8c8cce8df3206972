"""Start and stop a local stack: the vendor sandbox plus Airflow's components, each its own process.

Used by `vloc demo` (start, run, stop), `vloc up` (start and leave running) and the integration tests.
By default Airflow runs on SQLite with the LocalExecutor in its own AIRFLOW_HOME; connections point at
the sandbox through `AIRFLOW_CONN_*` variables, so nothing is written into a user's own Airflow.

`executor="CeleryExecutor"` with a `database_url` (PostgreSQL) and a `broker_url` (Redis) starts the
distributed topology instead: the same components plus Celery workers, each process started with the
command `video_localization.topology` gives it, the same one docker-compose.yaml runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from video_localization import topology
from video_localization.sandbox.connections import sandbox_connections
from video_localization.sandbox.server import free_port

PROJECT_DIR = Path(__file__).resolve().parents[2]
AIRFLOW_COMPONENTS = topology.AIRFLOW_COMPONENTS
ADMIN_USER = topology.ADMIN_USER


def _bin(name: str) -> str:
    """A console script of this virtualenv (the one running us), falling back to PATH."""
    if name == "python":
        return sys.executable
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def _argv(name: str) -> list[str]:
    """A component's command from the topology table, its program resolved in this virtualenv."""
    program, *args = topology.command(name)
    return [_bin(program), *args]


@dataclass
class Stack:
    """A sandbox and an Airflow, both on loopback ports; `start()` waits until they answer."""

    home: Path
    output_dir: Path
    api_port: int = 0
    sandbox_port: int = 0
    sandbox_step_seconds: float = 1.0
    poll_interval: float = 1.0
    max_poll_interval: float = 3.0
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    #: "LocalExecutor" (default, on SQLite unless `database_url`) or "CeleryExecutor".
    executor: str = "LocalExecutor"
    #: SQLAlchemy URL of the metadata DB; None = SQLite in `home`.
    database_url: str | None = None
    #: Celery broker (e.g. `redis://127.0.0.1:6379/7`) and a key prefix of this stack's own in it.
    broker_url: str | None = None
    broker_key_prefix: str | None = None
    worker_concurrency: int = 2
    #: Environment of one component only (e.g. each Celery worker's log-server port).
    component_env: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.home = self.home.resolve()
        self.output_dir = self.output_dir.resolve()
        self.api_port = self.api_port or free_port()
        self.sandbox_port = self.sandbox_port or free_port()
        self.password_file = self.home / "passwords.json"
        if self.executor == "CeleryExecutor":
            # Components that serve their logs get a port of their own: several on one host.
            for name in (*topology.CELERY_WORKERS, "triggerer"):
                key = "TRIGGER" if name == "triggerer" else "WORKER"
                self.component_env.setdefault(name, {})[f"AIRFLOW__LOGGING__{key}_LOG_SERVER_PORT"] = str(
                    free_port()
                )

    @property
    def components(self) -> tuple[str, ...]:
        return topology.components(self.executor)

    # -- addresses --------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @property
    def password(self) -> str:
        return json.loads(self.password_file.read_text())[ADMIN_USER]

    # -- environment ------------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(self.home),
            **topology.airflow_environment(
                executor=self.executor,
                api_url=self.api_url,
                database_url=self.database_url,
                broker_url=self.broker_url,
                broker_key_prefix=self.broker_key_prefix,
                worker_concurrency=self.worker_concurrency,
            ),
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_DIR / "dags"),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.password_file),
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            **sandbox_connections(self.sandbox_url),
            "VLOC_OUTPUT_DIR": str(self.output_dir),
            # Trust boundaries: user URLs may name the sandbox (its sample media), no other local host.
            "AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS": f"127.0.0.1:{self.sandbox_port}",
            "VLOC_POLL_INTERVAL": str(self.poll_interval),
            "VLOC_MAX_POLL_INTERVAL": str(self.max_poll_interval),
            "VLOC_SANDBOX_HOST": "127.0.0.1",
            "VLOC_SANDBOX_PORT": str(self.sandbox_port),
            "VLOC_SANDBOX_PUBLIC_URL": self.sandbox_url,
            "VLOC_SANDBOX_STEP_SECONDS": str(self.sandbox_step_seconds),
            **self.extra_env,
        }
        env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
        return env

    # -- lifecycle --------------------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str]) -> None:
        log_path = self.home / "logs" / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log_file:
            self.processes[name] = subprocess.Popen(
                argv,
                env={**self.env(), **self.component_env.get(name, {})},
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stop() ends it and all its children
                cwd=PROJECT_DIR,
            )

    def start_sandbox(self) -> None:
        self._spawn(topology.SANDBOX, _argv(topology.SANDBOX))
        self._wait_http(f"{self.sandbox_url}/_sandbox/health", "the vendor sandbox", 30)

    def migrate(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if not self.password_file.exists():
            self.password_file.write_text(json.dumps({ADMIN_USER: secrets.token_urlsafe(12)}))
        subprocess.run(
            [_bin("airflow"), "db", "migrate"],
            env=self.env(),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=PROJECT_DIR,
        )

    def start_airflow(self, components: Iterable[str] | None = None) -> None:
        self.migrate()
        # The api-server reads its host and port from AIRFLOW__API__HOST/PORT: same command everywhere.
        for component in self.components if components is None else components:
            self._spawn(component, _argv(component))
        self.wait_healthy()

    def start(self) -> Stack:
        self.start_sandbox()
        self.start_airflow()
        return self

    def wait_healthy(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                health = httpx.get(f"{self.api_url}/api/v2/monitor/health", timeout=5).json()
                states = {
                    part: (health.get(part) or {}).get("status")
                    for part in ("metadatabase", "scheduler", "triggerer", "dag_processor")
                }
                if all(state == "healthy" for state in states.values()):
                    return
                last = str(states)
            except (httpx.HTTPError, ValueError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            time.sleep(1)
        raise RuntimeError(
            f"Airflow did not become healthy in {timeout:.0f} s ({last}); logs: {self.home / 'logs'}"
        )

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                tail = self.log_tail(name)
                raise RuntimeError(f"{name} exited with code {process.returncode}; last log lines:\n{tail}")

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.home / "logs" / f"{name}.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def _wait_http(self, url: str, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{what} did not answer at {url} within {timeout:.0f} s")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill one component's whole process group (for crash tests)."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def restart(self, name: str) -> None:
        if name not in self.components:
            raise ValueError(f"cannot restart {name}")
        self._spawn(name, _argv(name))

    def stop(self) -> None:
        """SIGTERM every process group, then SIGKILL what is left after a grace period."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()

    def remove_home(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)
