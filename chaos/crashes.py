"""Crashes: a task process killed right after its paid create, the triggerer and the scheduler mid-wait.

**A task killed right after a paid create.** A sandbox rule (`kill_rule`) lets a create act at the
vendor and then holds its answer for `HOLD_SECONDS` (less than the hooks' 30 s timeout). The sandbox's
log of fired faults says when the vendor has acted and which client port sent the request; the socket
with that port, looked up in `/proc/net/tcp` and the processes' open files, names the one process that
sent it: the task's own process, waiting for an answer it will never read. It gets SIGKILL there, with
the job created and its id unknown to the task: deterministic, not a race against a timer. Only a
process descending from the stack's own processes is ever killed.

**Triggerer and scheduler killed mid-wait.** While some task of a run waits deferred, the component's
whole process group gets SIGKILL (as a container or machine would lose it) and a new one is started.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import Any

#: How long a kill rule holds the created job's answer: time for the driver to see it and kill, yet
#: shorter than the client's 30 s timeout (a missed kill leaves a plain "500 after create").
HOLD_SECONDS = 25.0
KILL_LABEL = "kill-after-create"
CRASH_KINDS = ("task-killed-after-create", "triggerer-killed", "scheduler-killed")


def kill_rule(vendor: str, method: str, path_prefix: str, serial: int) -> dict[str, Any]:
    """A sandbox rule: the next matching create acts, then its answer is held (and finally a 500)."""
    return {
        "vendor": vendor,
        "method": method,
        "path_prefix": path_prefix,
        "status": 500,
        "after_effect": True,
        "delay_seconds": HOLD_SECONDS,
        "message": "chaos: the task was killed before this answer",
        "label": f"{KILL_LABEL}:{vendor}:{serial}",
    }


def _socket_inodes(local_port: int, remote_port: int) -> set[str]:
    """Inodes of the TCP sockets from `local_port` to `remote_port` on this machine (IPv4 and IPv6)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if int(local.rsplit(":", 1)[1], 16) == local_port and (
                    int(remote.rsplit(":", 1)[1], 16) == remote_port
                ):
                    inodes.add(inode)
    return inodes


def pid_holding_socket(local_port: int, remote_port: int) -> int | None:
    """The process that holds the client socket `local_port` -> `remote_port`, if one of ours does."""
    targets = {f"socket:[{inode}]" for inode in _socket_inodes(local_port, remote_port)}
    if not targets:
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in targets:
                        return int(entry.name)
    return None


def _parent(pid: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("PPid:"):
                return int(line.split()[1])
    return None


def descends_from(pid: int, ancestors: set[int]) -> bool:
    """True when `pid` is one of `ancestors` or a (grand)child of one."""
    seen = set()
    current: int | None = pid
    while current and current not in seen:
        if current in ancestors:
            return True
        seen.add(current)
        current = _parent(current)
    return False


def command_line(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    return "?"


def kill_sender(client_port: int, server_port: int, stack_pids: set[int]) -> tuple[int, str] | None:
    """SIGKILL the stack process that sent a request from `client_port`; answers (pid, command line)."""
    pid = pid_holding_socket(client_port, server_port)
    if pid is None or not descends_from(pid, stack_pids):
        return None
    command = command_line(pid)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return None
    return pid, command
