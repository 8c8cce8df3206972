"""Wait-engine benchmarks: many concurrent waits in one event loop, as the triggerer runs them.

Side by side against the same local fake vendor (`benchmarks.fake_vendor`, its own process) and the same
job schedule (job i finishes 5-35 s after the start, seeded): Airflow's `HttpSensorTrigger` (the anchor,
from apache-airflow-providers-http, poke interval 5 s) and this project's `BlendVisionDubbingJobTrigger`
(first poll 5 s after the operator's check, then x1.5 up to 60 s; the shared status loop answers from
the vendor's job list). Each contender runs in a fresh process (`python -m benchmarks.waits client ...`),
which measures its own CPU (`time.process_time`), its resident memory growth per wait, and each wait's
lateness (event time minus the job's finish time). The fake vendor counts requests.

Then the status calls one 30-minute job costs, measured on the same fake vendor with the time scaled
down 100x (schedules and job length alike): by polling, and with a callback wake when the job ends.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

PORT = int(os.environ.get("VLOC_BENCH_VENDOR_PORT", "8971"))
FIRST_POLL = 5.0
SEED = 20261204


def _rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _schedule(n: int, start: float) -> dict[str, float]:
    rng = random.Random(SEED + n)
    return {f"job-{i:05d}": start + 5 + 30 * rng.random() for i in range(n)}


async def _post_jobs(url: str, jobs: dict[str, float]) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        (await client.post(f"{url}/bench/jobs", json={"jobs": jobs})).raise_for_status()


async def _stats(url: str) -> dict[str, int]:
    async with httpx.AsyncClient(timeout=60) as client:
        return (await client.get(f"{url}/bench/stats")).json()


# -- one contender, in its own process ---------------------------------------------------------------------
async def _run_client(contender: str, n: int, url: str) -> dict[str, Any]:
    from airflow.providers.http.triggers.http import HttpSensorTrigger

    from video_localization.blendvision.triggers import BlendVisionDubbingJobTrigger

    start = time.time() + 1.0
    jobs = _schedule(n, start)
    await _post_jobs(url, jobs)
    finished: dict[str, float] = {}
    statuses: dict[str, Any] = {}

    def build(job_id: str) -> Any:
        if contender == "anchor":
            return HttpSensorTrigger(
                endpoint=f"done/{job_id}", http_conn_id="bench_http", poke_interval=FIRST_POLL
            )
        return BlendVisionDubbingJobTrigger(
            job_id=job_id,
            conn_id="bench_bv",
            deadline=start + 600,
            poll_interval=FIRST_POLL,
            max_poll_interval=60.0,
            backoff_factor=1.5,
            observed_status="DUBBING_STATUS_PROCESSING",  # what the operator saw before deferring
            observed_at=start,
        )

    async def wait(job_id: str) -> None:
        async for event in build(job_id).run():
            finished[job_id] = time.time()
            statuses[job_id] = event.payload
            return

    # warm up outside the measurement: imports, the first connection lookup and (ours) the process's one
    # shared HTTP client (its TLS context loads the CA bundle: ~0.2 s once per triggerer process, not per
    # wait; the anchor builds a session per poke, which stays measured) are one-off costs
    from airflow.sdk import BaseHook

    await asyncio.to_thread(BaseHook.get_connection, "bench_http" if contender == "anchor" else "bench_bv")
    if contender != "anchor":
        from video_localization.core.http import shared_async_client

        shared_async_client()
    gc.collect()
    baseline = _rss_kb()
    peak = baseline
    await asyncio.sleep(max(0.0, start - time.time()))
    cpu0 = time.process_time()
    tasks = [asyncio.ensure_future(wait(job_id)) for job_id in jobs]
    everything = asyncio.gather(*tasks)
    while not everything.done():
        peak = max(peak, _rss_kb())
        await asyncio.wait([everything], timeout=0.5)
        if time.time() > start + 240:
            break
    cpu = time.process_time() - cpu0
    lateness = sorted(finished[job] - jobs[job] for job in finished)
    ok = sum(
        1
        for payload in statuses.values()
        if payload is True or (isinstance(payload, dict) and payload.get("status") == "success")
    )
    return {
        "contender": contender,
        "n": n,
        "completed": ok,
        "cpu_s": cpu,
        "kb_per_wait": (peak - baseline) / n,
        "p50": statistics.median(lateness) if lateness else float("nan"),
        "p95": lateness[int(0.95 * (len(lateness) - 1))] if lateness else float("nan"),
        "requests": await _stats(url),
    }


def client_main(contender: str, n: int, url: str, result_path: str) -> None:
    """Logs go to stdout (the caller discards them, as a triggerer writes them to files); the figures
    to `result_path`."""
    os.environ["AIRFLOW_CONN_BENCH_HTTP"] = url
    os.environ["AIRFLOW_CONN_BENCH_BV"] = json.dumps(
        {"conn_type": "blendvision", "host": url, "password": "bench-token", "extra": {"org_id": "bench-org"}}
    )
    os.environ.setdefault("AIRFLOW__VIDEO_LOCALIZATION__WAKE_CHANNEL", "none")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    result = asyncio.run(_run_client(contender, n, url))
    Path(result_path).write_text(json.dumps(result))


@contextmanager
def fake_vendor() -> Iterator[str]:
    url = f"http://127.0.0.1:{PORT}"
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.fake_vendor", str(PORT)])
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/bench/stats", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the fake vendor did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def _contender(contender: str, n: int, url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as work:
        result = Path(work) / "result.json"
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.waits", "client", contender, str(n), url, str(result)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=900,
        )
        if out.returncode != 0 or not result.exists():
            raise RuntimeError(f"{contender} N={n} failed: {out.stderr[-3000:]}")
        return json.loads(result.read_text())


# -- status calls for a 30-minute job (time scaled 100x) ------------------------------------------
async def _calls_for_one_job(url: str, callbacks: bool, scale: float) -> int:
    from video_localization.blendvision.triggers import BlendVisionDubbingJobTrigger
    from video_localization.core.wait import wake

    start = time.time()
    ends = start + 1800 / scale
    await _post_jobs(url, {"long-job": ends})
    trigger = BlendVisionDubbingJobTrigger(
        job_id="long-job",
        conn_id="bench_bv",
        deadline=start + 3600,
        poll_interval=10 / scale,
        max_poll_interval=360 / scale,
        backoff_factor=1.5,
        observed_status="DUBBING_STATUS_PROCESSING",
        observed_at=start,
        callbacks=callbacks,
    )
    trigger.wake_ids = lambda: ["long-job"]  # type: ignore[method-assign]  # BlendVision has no webhooks

    async def callback_at_the_end() -> None:
        await asyncio.sleep(max(0.0, ends - time.time()) + 0.05)
        await wake.wake("blendvision", "long-job")

    sender = asyncio.ensure_future(callback_at_the_end()) if callbacks else None
    async for _event in trigger.run():
        break
    if sender is not None:
        sender.cancel()
    return int((await _stats(url)).get("single", 0)) + 1  # + the operator's check


def calls_main(url: str) -> None:
    scale = 100.0
    os.environ["AIRFLOW_CONN_BENCH_BV"] = json.dumps(
        {"conn_type": "blendvision", "host": url, "password": "bench-token", "extra": {"org_id": "bench-org"}}
    )
    with tempfile.TemporaryDirectory() as wakes:
        os.environ["AIRFLOW__VIDEO_LOCALIZATION__WAKE_CHANNEL"] = f"file://{wakes}"
        os.environ["AIRFLOW__VIDEO_LOCALIZATION__WAKE_SCAN_INTERVAL"] = "0.05"
        os.environ["AIRFLOW__VIDEO_LOCALIZATION__CALLBACK_POLL_SCHEDULE"] = f"{1200 / scale},1,{1200 / scale}"
        os.environ["AIRFLOW__VIDEO_LOCALIZATION__FRESH_OBSERVATION"] = str(30 / scale)
        polling = asyncio.run(_calls_for_one_job(url, callbacks=False, scale=scale))
        woken = asyncio.run(_calls_for_one_job(url, callbacks=True, scale=scale))
    print(json.dumps({"polling": polling, "callbacks": woken}))


# -- the report ----------------------------------------------------------------------------------
def bench_waits(big_n: int = 10_000) -> list[str]:
    """Run everything; print the table; answer its lines (for the README's figures)."""
    with fake_vendor() as url:
        anchor = _contender("anchor", 2000, url)
        ours = _contender("project", 2000, url)
        big = _contender("project", big_n, url)
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.waits", "calls", url],
            capture_output=True,
            text=True,
            timeout=600,
        )
        calls = json.loads([line for line in out.stdout.splitlines() if line.startswith("{")][-1])

    def requests(row: dict[str, Any]) -> float:
        return sum(row["requests"].values()) / row["n"]

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b else "-"

    lines = [
        "| N concurrent waits, one process | completed | client CPU s | KB per wait | requests per job "
        "| lateness p50 s | lateness p95 s |",
        "|---|---|---|---|---|---|---|",
    ]
    named = (("HttpSensorTrigger (anchor)", anchor), ("project", ours), ("project", big))
    for name, row in named:
        lines.append(
            f"| {name}, N={row['n']:,} | {row['completed']:,}/{row['n']:,} | {row['cpu_s']:.2f} "
            f"| {row['kb_per_wait']:.1f} | {requests(row):.3f} | {row['p50']:.1f} | {row['p95']:.1f} |"
        )
    lines.append(
        f"| project / anchor, N=2,000 | | {ratio(ours['cpu_s'], anchor['cpu_s'])} "
        f"| {ratio(ours['kb_per_wait'], anchor['kb_per_wait'])} | {ratio(requests(ours), requests(anchor))} "
        f"| {ratio(ours['p50'], anchor['p50'])} | {ratio(ours['p95'], anchor['p95'])} |"
    )
    lines.append("")
    lines.append(
        "Status calls for one 30-minute job (time scaled 100x; the operator's check included): "
        f"polling {calls['polling']} (target <= 15), with a callback wake {calls['callbacks']} (target <= 3)."
    )
    for line in lines:
        print(line)
    return lines


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "client":
        client_main(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif command == "calls":
        calls_main(sys.argv[2])
    else:
        bench_waits(int(sys.argv[2]) if len(sys.argv) > 2 else 10_000)
