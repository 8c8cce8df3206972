"""`python -m video_localization_dev.keeper <stack.json>`: keeps what `vloc up` started alive.

`vloc up` starts the stack and returns; its components outlive it. A component that dies there (the
triggerer after a SQLite lock error, an OOM-killed scheduler) used to stay dead while the api-server
kept answering, and every deferred task then waited forever. This small detached process, started by
`vloc up` and stopped first by `vloc down`, checks every few seconds that each component's process is
alive and starts a dead one again with the same command and environment, saying so in
`<home>/logs/keeper.log` (and `vloc up` says where that log is).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from video_localization_dev.stack import Stack, _argv

CHECK_SECONDS = 5.0


def stack_settings(stack: Stack) -> dict[str, Any]:
    """What a keeper needs to start a component of `stack` again exactly as `vloc up` did."""
    return {
        "home": str(stack.home),
        "output_dir": str(stack.output_dir),
        "api_port": stack.api_port,
        "sandbox_port": stack.sandbox_port,
        "sandbox_step_seconds": stack.sandbox_step_seconds,
        "worker_log_port": stack.worker_log_port,
        "trigger_log_port": stack.trigger_log_port,
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - another user's process took the pid
        return False
    return True


def keep_once(stack: Stack, pids: dict[str, int], report: Any = print) -> list[str]:
    """Start again every component whose process is gone; update `pids`; answer the restarted names."""
    restarted = []
    for process in stack.processes.values():
        process.poll()  # reap our own dead children, so they do not look alive
    for name, pid in list(pids.items()):
        if name == "keeper" or _alive(pid):
            continue
        stack._spawn(name, _argv(name))
        pids[name] = stack.processes[name].pid
        restarted.append(name)
        when = datetime.now(UTC).isoformat(timespec="seconds")
        report(f"{when} the {name} (pid {pid}) had died; restarted it as pid {pids[name]}")
    return restarted


def main(state_path: str) -> int:
    path = Path(state_path)
    state = json.loads(path.read_text())
    settings = state["stack"]
    stack = Stack(**{**settings, "home": Path(settings["home"]), "output_dir": Path(settings["output_dir"])})
    log_path = stack.home / "logs" / "keeper.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)

    def report(line: str) -> None:
        with log_path.open("a") as log:
            log.write(line + "\n")

    report(f"keeper {os.getpid()} watching {', '.join(state['pids'])}")
    while path.exists():
        pids = dict(state["pids"])
        if keep_once(stack, pids, report):
            state["pids"] = pids
            path.write_text(json.dumps(state))
        time.sleep(CHECK_SECONDS)
        if path.exists():
            state = json.loads(path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
