"""The stack restarts a component that dies, and says so (no Airflow needed: components are stand-ins)."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest

from video_localization_dev import keeper
from video_localization_dev import stack as stack_module
from video_localization_dev.stack import Stack

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(stack_module, "_argv", lambda name: SLEEPER)
    monkeypatch.setattr(keeper, "_argv", lambda name: SLEEPER)
    running = Stack(home=tmp_path / "home", output_dir=tmp_path / "out")
    yield running
    running.stop()


def wait_dead(process) -> None:
    deadline = time.monotonic() + 30
    while process.poll() is None:
        assert time.monotonic() < deadline, "the stand-in did not die"
        time.sleep(0.05)


def test_keep_alive_restarts_a_dead_component_and_says_so(stack: Stack) -> None:
    stack._spawn("triggerer", SLEEPER)
    stack._spawn("scheduler", SLEEPER)
    first = stack.processes["triggerer"]
    stack.processes["triggerer"].send_signal(signal.SIGKILL)
    wait_dead(first)
    said: list[str] = []
    assert stack.keep_alive(said.append) == ["triggerer"]
    assert said[0].startswith("The triggerer exited (code -9); restarting it")
    assert stack.processes["triggerer"].pid != first.pid and stack.processes["triggerer"].poll() is None
    assert stack.restarts == [("triggerer", -9)]
    assert stack.keep_alive(said.append) == []  # all alive now: nothing more


def test_the_vloc_up_keeper_restarts_a_dead_pid(stack: Stack) -> None:
    stack._spawn("triggerer", SLEEPER)
    dead = stack.processes.pop("triggerer")
    dead.send_signal(signal.SIGKILL)
    wait_dead(dead)
    pids = {"triggerer": dead.pid, "keeper": 1}
    said: list[str] = []
    assert keeper.keep_once(stack, pids, said.append) == ["triggerer"]
    assert pids["triggerer"] == stack.processes["triggerer"].pid != dead.pid
    assert f"the triggerer (pid {dead.pid}) had died; restarted it as pid {pids['triggerer']}" in said[0]


def test_the_stack_uses_its_own_log_server_ports(stack: Stack) -> None:
    env = stack.env()
    ports = {
        env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"],
        env["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"],
    }
    assert len(ports) == 2 and not ports & {"8793", "8794"}
    other = Stack(home=stack.home, output_dir=stack.output_dir)
    assert not {other.worker_log_port, other.trigger_log_port} & {
        stack.worker_log_port,
        stack.trigger_log_port,
    }
