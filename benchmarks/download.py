"""Download throughput and memory: `curl -o` against `core.storage.stream_to_storage`, side by side.

One file in RAM (/dev/shm), served on loopback by `benchmarks.loopback_server` (sendfile), copied into
/dev/shm by curl and by `stream_to_storage`, each in a fresh process. What makes the comparison fair:

- **The same start for both.** The Python child imports what a task has imported and loads Airflow's
  plugins (the task runner does that before `execute`; without it the first hook-lineage report loads
  ~500 modules, about a second, inside the copy), then waits for a "go". Each timed copy, curl's or
  ours, starts right after the previous copy's output is deleted. Measured with the earlier version
  (the child started its copy seconds after the previous output was freed, curl at once): the child's
  first copy also spent 2-3x the kernel time of a later one in the tmpfs write itself (perf:
  `copy_folio_from_iter_atomic`, 31 % of samples against 11 %). A plain write loop into /dev/shm did not
  reproduce it, so the cause (which memory the new file gets on this VM) is not pinned down; in this
  version the child's kernel time per copy is that of a warm one (0.7-1.1 s per GiB).
- **A warm-up copy for each** (not counted): the first copies after the 1 GiB source is written land in
  memory nothing has used yet, and were the slowest of every run (curl's too).
- **Alternating** (curl first in even rounds, ours first in odd ones), median of `repeat`, every run
  printed, and the load average before and after: a burst of load on this shared machine hits both.

Timed: the whole `curl` process (its start is a few milliseconds), and `stream_to_storage` (request,
copy, SHA-256, size check, rename) in the child. Also reported: the peak RSS growth of the Python process
during a copy of `rss_size_mib` (VmHWM after the download minus VmRSS before it, the high-water mark
reset once the child is ready), next to curl's whole peak RSS.

`python -m benchmarks download [--size-mib N] [--rss-size-mib N] [--repeat N]`
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

_SHM = Path("/dev/shm")  # noqa: S108 - RAM, so the disk is not what is measured; files are removed after
RAM_DIR = _SHM if _SHM.is_dir() else Path(tempfile.gettempdir())

# Runs in a fresh interpreter: imports and plugins first, then "ready"; on "go", one timed download.
_CHILD = r"""
import json, os, sys, time
started = time.perf_counter()
from airflow.sdk.plugins_manager import integrate_macros_plugins
from video_localization.core.http import VendorApi
from video_localization.core.storage import as_storage_path, stream_to_storage

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0

url, target = sys.argv[1], sys.argv[2]
integrate_macros_plugins()  # as the task runner does before `execute` (hook lineage reads the plugins)
api = VendorApi("bench", url)
setup = time.perf_counter() - started
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset VmHWM: the peak below is the download's, not the imports'
print("ready", flush=True)
sys.stdin.readline()
before = status("VmRSS")
cpu, started = os.times(), time.perf_counter()
stored = stream_to_storage(api, url, as_storage_path(target))
elapsed, cpu_after = time.perf_counter() - started, os.times()
result = {"seconds": elapsed, "bytes": stored.size_bytes, "rss_growth": status("VmHWM") - before}
result |= {"user": cpu_after.user - cpu.user, "sys": cpu_after.system - cpu.system}
print(json.dumps({**result, "setup_seconds": setup}))
"""


@contextlib.contextmanager
def served_file(size: int) -> Iterator[tuple[str, Path]]:
    """A file of `size` bytes in RAM, served on loopback; both removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="vloc-bench-dl-", dir=RAM_DIR))
    source = folder / "source.bin"
    block = os.urandom(1 << 20)
    with source.open("wb") as sink:
        for _ in range(size >> 20):
            sink.write(block)
        sink.write(block[: size & ((1 << 20) - 1)])
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.loopback_server", str(source)],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(server.stdout.readline())  # type: ignore[union-attr]
        yield f"http://127.0.0.1:{port}/video.mp4", folder
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _clear(folder: Path) -> None:
    """Delete the previous copies (right before the next one starts: see the module doc)."""
    for name in ("curl.bin", "ours.bin"):
        (folder / name).unlink(missing_ok=True)


def run_curl(url: str, folder: Path) -> tuple[float, int, float]:
    """Seconds, curl's peak RSS (bytes) and its CPU seconds (user + sys) for `curl -o`."""
    _clear(folder)
    started = time.perf_counter()
    process = subprocess.Popen(["curl", "-s", "-f", "-o", str(folder / "curl.bin"), url])
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"curl failed with exit code {process.returncode}")
    return elapsed, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def run_stream_to_storage(url: str, folder: Path) -> dict:
    """The child's figures: `seconds` of the download, `rss_growth`, `setup_seconds` before it."""
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, url, str(folder / "ours.bin")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    for line in child.stdout:  # type: ignore[union-attr]
        lines.append(line)
        if line.strip() == "ready":
            _clear(folder)
            child.stdin.write("go\n")  # type: ignore[union-attr]
            child.stdin.flush()  # type: ignore[union-attr]
    if child.wait() != 0 or not lines:
        output = "".join(lines)[-2000:]
        raise RuntimeError(f"stream_to_storage failed (exit code {child.returncode}): {output}")
    return json.loads(lines[-1])


def _load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def bench_download(size_mib: int = 1024, rss_size_mib: int = 2048, repeat: int = 5) -> None:
    if shutil.which("curl") is None:
        print("download: skipped (curl is not installed)")
        return
    size = size_mib << 20
    print(
        f"download: {size_mib} MiB on loopback into {RAM_DIR}: one warm-up copy each, then {repeat}"
        f" alternating rounds, median (load average {_load()})"
    )
    curl_times: list[float] = []
    curl_cpu: list[float] = []
    ours: list[dict] = []
    with served_file(size) as (url, folder):
        run_curl(url, folder)  # warm-ups, not counted (see the module doc)
        warm = run_stream_to_storage(url, folder)
        for round_number in range(repeat):
            if round_number % 2 == 0:
                curl_run = run_curl(url, folder)
                ours.append(run_stream_to_storage(url, folder))
            else:
                ours.append(run_stream_to_storage(url, folder))
                curl_run = run_curl(url, folder)
            curl_times.append(curl_run[0])
            curl_cpu.append(curl_run[2])
    curl_rate = size_mib / statistics.median(curl_times)
    our_rate = size_mib / statistics.median(run["seconds"] for run in ours)
    print(f"  curl -o            {curl_rate:7.0f} MiB/s")
    print(f"  stream_to_storage  {our_rate:7.0f} MiB/s  ({our_rate / curl_rate:.0%} of curl)")
    curl_runs = ", ".join(f"{size_mib / t:.0f}" for t in curl_times)
    our_runs = ", ".join(f"{size_mib / run['seconds']:.0f}" for run in ours)
    print(f"    runs: curl {curl_runs} MiB/s; stream_to_storage {our_runs} MiB/s")
    our_cpu = statistics.median(run["user"] + run["sys"] for run in ours)
    print(
        f"    CPU per copy (user + sys, median): curl {statistics.median(curl_cpu):.2f} s,"
        f" stream_to_storage {our_cpu:.2f} s (SHA-256 included)"
    )
    setup = statistics.median(run["setup_seconds"] for run in [warm, *ours])
    print(f"    setup of the Python child before its copy (imports, plugins; not timed): {setup:.1f} s")
    with served_file(rss_size_mib << 20) as (url, folder):
        _seconds, curl_rss, _cpu = run_curl(url, folder)
        big = run_stream_to_storage(url, folder)
    growth = big["rss_growth"] / 2**20
    print(
        f"  peak RSS, {rss_size_mib} MiB file: stream_to_storage +{growth:.1f} MiB over its imports"
        f" | curl {curl_rss / 2**20:.1f} MiB in all (load average {_load()})"
    )
