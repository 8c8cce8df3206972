"""`make bench`: measured figures, each side by side with the naive alternative in the same run.

Not tests: these machines are noisy, so nothing here asserts a time. Each benchmark prints what it
measured and the ratio, and the numbers go into the closing notes.

1. Download memory: `core.storage.stream_to_storage` (chunks to a temp file) against reading the whole
   body into memory (`response.content`), on the same file served by the sandbox. Peak Python
   allocations (tracemalloc).
2. Polling cost: N concurrent status polls on the event loop's one shared `AsyncClient` against a new
   client per poll (what a trigger that builds its own client does). Wall time and new connections.
3. The wait engine (`benchmarks.waits`): Airflow's HttpSensorTrigger against this project's trigger at
   N=2,000 concurrent waits, the project alone at N=10,000, and the status calls of a 30-minute job.
   `VLOC_BENCH_SKIP_WAITS=1` skips it (about 5 minutes on 2 loaded cores).
4. Download throughput (`benchmarks/download.py`): `curl -o` against `stream_to_storage`, 1 GiB into
   /dev/shm on loopback, and peak RSS growth for 2 GiB.
5. DAG parse (`benchmarks/parse.py`): each DAG file against a trivial one-task DAG, cold, fresh process.
6. Wakes on the running stack (`benchmarks/stack_wakes.py`): vendor job completes -> deferred task
   resumed, 20 waits with callbacks (signed webhooks -> api-server -> wake channel -> triggerer) and 20
   polling only, on the processes `vloc up` starts. `VLOC_BENCH_SKIP_STACK=1` skips it (about 5 minutes).

`python -m benchmarks` runs them all (what `make bench` runs), with the trust checks (`benchmarks/trust.py`);
`python -m benchmarks NAME [options]` runs one: `memory`, `polling`, `waits`, `trust`, `download`, `parse`,
`stack_wakes`, or `fanout` (`benchmarks/fanout.py`: one video x 20 languages
x 4 caption formats on the running stack; minutes, so not part of `make bench`; `make bench-fanout`).
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx

from video_localization.core.http import VendorApi, shared_async_client
from video_localization.core.storage import as_storage_path, stream_to_storage
from video_localization_dev.sandbox.server import running_sandbox

DOWNLOAD_SIZES_MB = (16, 64, 256)
POLLS = 200
CONCURRENCY = 20


def _peak_allocated(fn) -> tuple[float, float]:
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, elapsed


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bench_download(base_url: str, media_dir: Path, work: Path) -> None:
    """Peak memory must stay flat as the file grows when streaming, and grow with it when not."""
    api = VendorApi("bench", base_url)
    print("download: peak Python allocations (tracemalloc) and wall time (separate run, no tracing)")
    try:
        for size_mb in DOWNLOAD_SIZES_MB:
            name = f"bench-{size_mb}.bin"
            (media_dir / name).write_bytes(b"\0\0\0\x18ftypmp42" + b"\x5a" * (size_mb * 2**20))
            url = f"{base_url}/_sandbox/media/{name}"

            def streamed(url: str = url) -> None:
                stream_to_storage(api, url, as_storage_path(work) / "streamed.bin")

            def naive(url: str = url) -> None:
                (work / "naive.bin").write_bytes(httpx.get(url, timeout=60).content)

            try:
                streamed()  # warm-up: first-use imports and pool set-up are not the download's cost
                streamed_peak, _ = _peak_allocated(streamed)
                naive_peak, _ = _peak_allocated(naive)
                streamed_time, naive_time = _timed(streamed), _timed(naive)
            finally:
                (media_dir / name).unlink()
            print(
                f"  {size_mb:4d} MiB  stream_to_storage peak {streamed_peak:7.1f} MiB {streamed_time:5.2f} s"
                f"  | response.content peak {naive_peak:7.1f} MiB {naive_time:5.2f} s"
                f"  | memory ratio {naive_peak / max(streamed_peak, 0.01):4.1f}x"
            )
    finally:
        api.close()


async def _polls(url: str, shared: bool) -> tuple[float, int]:
    connections = 0

    async def on_connect(_request: httpx.Request) -> None:
        return None

    limiter = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        nonlocal connections
        async with limiter:
            if shared:
                client = shared_async_client()
                await client.get(url)
            else:
                async with httpx.AsyncClient() as client:
                    connections += 1
                    await client.get(url)

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(POLLS)))
    elapsed = time.perf_counter() - started
    if shared:
        pool = shared_async_client()._transport._pool  # type: ignore[attr-defined]
        connections = len(pool.connections)
        await shared_async_client().aclose()
    del on_connect
    return elapsed, connections


def bench_polling(base_url: str) -> None:
    url = f"{base_url}/_sandbox/health"
    shared_time, shared_conns = asyncio.run(_polls(url, shared=True))
    fresh_time, fresh_clients = asyncio.run(_polls(url, shared=False))
    print(f"{POLLS} status polls, {CONCURRENCY} at a time")
    print(f"  one shared AsyncClient per loop: {shared_time:5.2f} s, {shared_conns} pooled connections")
    print(f"  a new AsyncClient per poll     : {fresh_time:5.2f} s, {fresh_clients} clients built")
    print(f"  time ratio per-poll/shared: {fresh_time / max(shared_time, 1e-6):.1f}x")


def bench_on_sandbox(memory: bool = True, polling: bool = True) -> None:
    from video_localization_dev.media import media_dir

    work = Path(tempfile.mkdtemp(prefix="vloc-bench-"))
    try:
        with running_sandbox(step_seconds=0.05) as sandbox:
            if memory:
                bench_download(sandbox.url, media_dir(), work)
                print()
            if polling:
                bench_polling(sandbox.url)
    finally:
        shutil.rmtree(work, ignore_errors=True)


BENCHMARKS = ("memory", "polling", "waits", "trust", "download", "parse", "stack_wakes")


def main(argv: list[str] | None = None) -> None:
    import argparse

    from benchmarks import download, fanout, parse

    args = list(sys.argv[1:] if argv is None else argv)
    name = args.pop(0) if args and not args[0].startswith("-") else "all"
    if name == "fanout":
        fanout.main(args)
        return
    parser = argparse.ArgumentParser(prog=f"python -m benchmarks {name}")
    parser.add_argument("--size-mib", type=int, default=1024, help="download: file size for throughput")
    parser.add_argument("--rss-size-mib", type=int, default=2048, help="download: file size for peak RSS")
    parser.add_argument("--repeat", type=int, default=5, help="download and parse: runs per figure")
    parser.add_argument("--waits", type=int, default=20, help="stack_wakes: deferred waits per mode")
    options = parser.parse_args(args)
    if name != "all" and name not in BENCHMARKS:
        parser.error(f"unknown benchmark {name!r}: {', '.join(BENCHMARKS)}, fanout")
    if name in {"all", "memory", "polling"}:
        bench_on_sandbox(memory=name != "polling", polling=name != "memory")
        print()
    if name == "waits" or (name == "all" and os.environ.get("VLOC_BENCH_SKIP_WAITS") != "1"):
        from benchmarks.waits import bench_waits

        print("waits: concurrent trigger.run() generators in one event loop, against one fake vendor")
        bench_waits()
        print()
    if name in {"all", "trust"}:
        from benchmarks import trust  # callback memory across processes, the plan's source check

        trust.main()
        print()
    if name in {"all", "download"}:
        download.bench_download(options.size_mib, options.rss_size_mib, options.repeat)
        print()
    if name in {"all", "parse"}:
        parse.bench_parse(options.repeat)
        print()
    if name == "stack_wakes" or (name == "all" and os.environ.get("VLOC_BENCH_SKIP_STACK") != "1"):
        from benchmarks.stack_wakes import bench_stack_wakes

        bench_stack_wakes(options.waits)


if __name__ == "__main__":
    main()
