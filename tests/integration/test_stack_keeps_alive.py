"""The embedded default stack (SQLite, LocalExecutor) survives a dead triggerer; log servers on own ports.

Before, a triggerer that died (of "database is locked" during a burst of REST triggers) stayed dead while
the api-server kept answering, and every deferred task waited forever. Now the stack's keeper restarts a
component that dies, saying so. A few minutes on a loaded 2-core machine.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from video_localization_dev.stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory):
    running = Stack(home=tmp_path_factory.mktemp("airflow-home"), output_dir=tmp_path_factory.mktemp("out"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def test_a_killed_triggerer_is_restarted_and_the_stack_is_healthy_again(stack: Stack) -> None:
    said: list[str] = []
    victim = stack.processes["triggerer"]
    stack.kill("triggerer")  # SIGKILL to its process group (pops it: put the dead one back)
    stack.processes["triggerer"] = victim
    assert stack.keep_alive(said.append) == ["triggerer"]
    assert "The triggerer exited" in said[0]
    stack.wait_healthy(timeout=180)
    assert stack.processes["triggerer"].poll() is None


def test_the_log_servers_are_on_the_stacks_own_ports(stack: Stack) -> None:
    assert {stack.worker_log_port, stack.trigger_log_port}.isdisjoint({8793, 8794})
    for port in (stack.worker_log_port, stack.trigger_log_port):
        deadline = time.monotonic() + 60
        while True:  # the log server answers (401/403/404 without a signed token): it is bound there
            try:
                httpx.get(f"http://127.0.0.1:{port}/log/x", timeout=5)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, f"nothing listens on {port}"
                time.sleep(1)
    assert Path(stack.home / "logs" / "triggerer.log").exists()
