"""Download throughput and memory: `curl -o` against `core.storage.stream_to_storage`, side by side.

One file in RAM (/dev/shm), served on loopback by `benchmarks.loopback_server` (sendfile), copied into
/dev/shm by curl and by `stream_to_storage` in turn (alternating, so a burst of load on this shared
machine hits both), each in a fresh process. Reported: median throughput of each, the ratio, and the
peak RSS growth of the Python process during the copy (VmHWM after the download minus VmRSS before it,
with the high-water mark reset once the imports are done), next to curl's whole peak RSS.

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

# Runs in a fresh interpreter: imports first, then reset the RSS high-water mark, then download.
_CHILD = r"""
import json, os, sys, time
from video_localization.core.http import VendorApi
from video_localization.core.storage import as_storage_path, stream_to_storage

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0

url, target = sys.argv[1], sys.argv[2]
api = VendorApi("bench", url)
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset VmHWM: the peak below is the download's, not the imports'
before = status("VmRSS")
started = time.perf_counter()
stored = stream_to_storage(api, url, as_storage_path(target))
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "bytes": stored.size_bytes, "rss_growth": status("VmHWM") - before}))
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


def run_curl(url: str, target: Path) -> tuple[float, int]:
    """Seconds and curl's peak RSS (bytes) for `curl -o`."""
    started = time.perf_counter()
    process = subprocess.Popen(["curl", "-s", "-f", "-o", str(target), url])
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"curl failed with exit code {process.returncode}")
    target.unlink()
    return elapsed, usage.ru_maxrss * 1024


def run_stream_to_storage(url: str, target: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, url, str(target)], capture_output=True, text=True, check=True
    )
    target.unlink()
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_download(size_mib: int = 1024, rss_size_mib: int = 2048, repeat: int = 3) -> None:
    if shutil.which("curl") is None:
        print("download: skipped (curl is not installed)")
        return
    size = size_mib << 20
    print(f"download: {size_mib} MiB on loopback into {RAM_DIR} (median of {repeat}, alternating)")
    curl_times: list[float] = []
    ours: list[dict] = []
    with served_file(size) as (url, folder):
        for _ in range(repeat):
            curl_times.append(run_curl(url, folder / "curl.bin")[0])
            ours.append(run_stream_to_storage(url, folder / "ours.bin"))
    curl_rate = size_mib / statistics.median(curl_times)
    our_rate = size_mib / statistics.median(run["seconds"] for run in ours)
    print(f"  curl -o            {curl_rate:7.0f} MiB/s")
    print(f"  stream_to_storage  {our_rate:7.0f} MiB/s  ({our_rate / curl_rate:.0%} of curl)")
    curl_runs = ", ".join(f"{size_mib / t:.0f}" for t in curl_times)
    our_runs = ", ".join(f"{size_mib / run['seconds']:.0f}" for run in ours)
    print(f"    runs: curl {curl_runs} MiB/s; stream_to_storage {our_runs} MiB/s")
    with served_file(rss_size_mib << 20) as (url, folder):
        _seconds, curl_rss = run_curl(url, folder / "curl.bin")
        big = run_stream_to_storage(url, folder / "ours.bin")
    growth = big["rss_growth"] / 2**20
    print(
        f"  peak RSS, {rss_size_mib} MiB file: stream_to_storage +{growth:.1f} MiB over its imports"
        f" | curl {curl_rss / 2**20:.1f} MiB in all"
    )
