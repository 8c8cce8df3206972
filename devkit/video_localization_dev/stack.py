"""Start and stop a local stack: the vendor sandbox plus Airflow's components, each its own process.

Used by `vloc demo` (start, run, stop), `vloc up` (start and leave running) and the integration tests.
By default Airflow runs on SQLite with the LocalExecutor in its own AIRFLOW_HOME; connections point at
the sandbox through `AIRFLOW_CONN_*` variables, so nothing is written into a user's own Airflow.

`executor="CeleryExecutor"` with a `database_url` (PostgreSQL) and a `broker_url` (Redis) starts the
distributed topology instead: the same components plus Celery workers, each process started with the
command `video_localization_dev.topology` gives it, the same one docker-compose.yaml runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from video_localization.core import resume_race
from video_localization_dev import topology
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.connections import sandbox_connections
from video_localization_dev.sandbox.server import free_port


def _project_dir() -> Path:
    """The folder whose `dags/` the stack runs: `$VLOC_PROJECT_DIR`, else the current folder or the
    nearest parent that has `dags/localize_video.py`, else the checkout this package sits in."""
    configured = os.environ.get("VLOC_PROJECT_DIR")
    if configured:
        return Path(configured).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents, Path(__file__).resolve().parents[2]):
        if (candidate / "dags" / "localize_video.py").is_file():
            return candidate
    return here


PROJECT_DIR = _project_dir()
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
    #: Ports of the scheduler's (worker) and the triggerer's log servers: this stack's own, never
    #: Airflow's fixed 8793/8794 (two stacks on one host collided there). Airflow binds them on every
    #: interface (its serve_logs has no host setting); they answer only JWT-signed requests.
    worker_log_port: int = 0
    trigger_log_port: int = 0
    #: Components restarted by `keep_alive` (name, exit code), in order.
    restarts: list[tuple[str, int | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.home = self.home.resolve()
        self.output_dir = self.output_dir.resolve()
        self.api_port = self.api_port or free_port()
        self.sandbox_port = self.sandbox_port or free_port()
        self.password_file = self.home / "passwords.json"
        self.worker_log_port = self.worker_log_port or free_port()
        self.trigger_log_port = self.trigger_log_port or free_port()
        self._keeper: threading.Thread | None = None
        self._keeper_stop = threading.Event()
        if self.executor == "CeleryExecutor":
            # Every Celery worker serves its logs on a port of its own: several on one host.
            for name in topology.CELERY_WORKERS:
                self.component_env.setdefault(name, {})["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] = str(
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
            "AIRFLOW__VIDEO_LOCALIZATION__OUTPUT_ROOT": str(self.output_dir),
            "AIRFLOW__VIDEO_LOCALIZATION__DEFAULT_SOURCE": f"{self.sandbox_url}/_sandbox/media/sample.mp4",
            "AIRFLOW__VIDEO_LOCALIZATION__POLL_INTERVAL": str(self.poll_interval),
            "AIRFLOW__VIDEO_LOCALIZATION__MAX_POLL_INTERVAL": str(self.max_poll_interval),
            # Trust boundaries: user URLs may name the sandbox (its sample media), no other local host; local
            # sources come from the sample media only.
            "AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS": f"127.0.0.1:{self.sandbox_port}",
            "AIRFLOW__VIDEO_LOCALIZATION__SOURCE_ROOTS": str(media_dir()),
            "VLOC_SANDBOX_HOST": "127.0.0.1",
            "VLOC_SANDBOX_PORT": str(self.sandbox_port),
            "VLOC_SANDBOX_PUBLIC_URL": self.sandbox_url,
            "VLOC_SANDBOX_STEP_SECONDS": str(self.sandbox_step_seconds),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.worker_log_port),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self.trigger_log_port),
            # Real workloads defer here: the settle delay applies (tests set 0 for inline triggers).
            "AIRFLOW__VIDEO_LOCALIZATION__TRIGGER_SETTLE_SECONDS": str(resume_race.DEFAULT_SETTLE_SECONDS),
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

    def healthcheck(self, name: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run a component's compose health check here, with that component's environment: the checks
        docker-compose.yaml gives its services are the ones the native stack passes (or fails)."""
        env = {**self.env(), **self.component_env.get(name, {})}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env["HOSTNAME"] = socket.gethostname()  # what a container's shell has, and Celery's `%h`
        return subprocess.run(
            ["sh", "-c", topology.healthcheck(name)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=PROJECT_DIR,
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

    # -- keeping it alive -------------------------------------------------------------------------
    def keep_alive(self, report: Callable[[str], None] = print) -> list[str]:
        """Restart every Airflow component (or the sandbox) that has exited, saying so; answers their names.

        A dead triggerer leaves every deferred task waiting forever while the api-server still answers
        (seen after SQLite lock errors), so the demo and `vloc up` call this every few seconds.
        """
        restarted = []
        for name, process in list(self.processes.items()):
            if process.poll() is None:
                continue
            code = process.returncode
            self.restarts.append((name, code))
            report(
                f"The {name} exited (code {code}); restarting it. Last log lines:\n{self.log_tail(name, 5)}"
            )
            self._spawn(name, _argv(name))
            restarted.append(name)
        return restarted

    def start_keeper(self, interval: float = 5.0, report: Callable[[str], None] = print) -> None:
        """Call `keep_alive` every `interval` seconds in a background thread until `stop()`."""
        if self._keeper is not None:
            return
        self._keeper_stop.clear()

        def watch() -> None:
            while not self._keeper_stop.wait(interval):
                self.keep_alive(report)

        self._keeper = threading.Thread(target=watch, name="vloc-stack-keeper", daemon=True)
        self._keeper.start()

    def stop_keeper(self) -> None:
        if self._keeper is not None:
            self._keeper_stop.set()
            self._keeper.join(timeout=30)
            self._keeper = None

    def stop(self) -> None:
        """SIGTERM every process group, then SIGKILL what is left after a grace period."""
        self.stop_keeper()
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
