"""Run the sandbox app with uvicorn: in the foreground (`vloc sandbox`) or in a thread (tests, benchmarks)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import uvicorn

from video_localization_dev.sandbox.app import create_app
from video_localization_dev.sandbox.state import Sandbox, SandboxSettings


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def serve(host: str = "127.0.0.1", port: int = 8900, step_seconds: float = 2.0) -> None:
    """Serve the sandbox until interrupted."""
    settings = SandboxSettings(step_seconds=step_seconds, public_url=f"http://{host}:{port}")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


class RunningSandbox:
    """A sandbox served from a background thread; `url` is its base, `sandbox` its live state."""

    def __init__(self, settings: SandboxSettings, host: str, port: int) -> None:
        self.sandbox = Sandbox(settings=settings)
        self.url = f"http://{host}:{port}"
        config = uvicorn.Config(
            create_app(sandbox=self.sandbox), host=host, port=port, log_level="warning", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="vendor-sandbox", daemon=True)

    def vendor_url(self, vendor: str) -> str:
        return f"{self.url}/{vendor}"

    def counters(self) -> dict:
        return httpx.get(f"{self.url}/_sandbox/counters", timeout=5).json()

    def start(self) -> RunningSandbox:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the vendor sandbox did not start within 15 s")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@contextlib.contextmanager
def running_sandbox(
    step_seconds: float = 0.05, host: str = "127.0.0.1", port: int | None = None, **settings: object
) -> Iterator[RunningSandbox]:
    port = port or free_port(host)
    running = RunningSandbox(
        SandboxSettings(step_seconds=step_seconds, public_url=f"http://{host}:{port}", **settings),  # type: ignore[arg-type]
        host,
        port,
    )
    running.start()
    try:
        yield running
    finally:
        running.stop()
