"""Trust-boundary figures (`make bench`, or `python -m benchmarks.trust`), side by side with the naive way.

1. Callback memory across api-server worker processes: the shared SQLite store against a memory of one's
   own per process (what a module-level set would be). Four processes receive the same callbacks (a
   replay reaching another worker): how many are believed, and the time per check.
2. The plan's source check: resolve + root check + container sniff (`core.trust.check_stored_source`)
   against the old `is_file()` check, per call.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from pathlib import Path

KEYS = 1000
PROCESSES = 4
SOURCE_CHECKS = 500


def _offer_sqlite(path: str, count: int, results: multiprocessing.Queue) -> None:
    from video_localization.callbacks.replay import SqliteSeenStore

    store = SqliteSeenStore(path)
    started = time.perf_counter()
    believed = sum(store.first_sighting(f"callback-{index}", 3600) for index in range(count))
    results.put((believed, time.perf_counter() - started))


def _offer_own_memory(count: int, results: multiprocessing.Queue) -> None:
    seen: set[str] = set()
    started = time.perf_counter()
    believed = 0
    for index in range(count):
        key = f"callback-{index}"
        if key not in seen:
            seen.add(key)
            believed += 1
    results.put((believed, time.perf_counter() - started))


def _race(target, args) -> tuple[int, float]:
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    workers = [context.Process(target=target, args=(*args, results)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    return sum(a[0] for a in answers), max(a[1] for a in answers)


def bench_seen_store(work: Path) -> None:
    from video_localization.callbacks.replay import SqliteSeenStore

    path = str(work / "seen.sqlite3")
    SqliteSeenStore(path)
    shared, shared_s = _race(_offer_sqlite, (path, KEYS))
    own, own_s = _race(_offer_own_memory, (KEYS,))
    print(f"callback memory: {PROCESSES} processes each receive the same {KEYS} callbacks")
    shared_us, own_us = shared_s / KEYS * 1e6, own_s / KEYS * 1e6
    print(f"  shared SQLite store: {shared:5d} believed (of {KEYS} distinct), {shared_us:8.1f} us/check")
    print(f"  memory per process : {own:5d} believed (replays to other workers pass), {own_us:8.1f} us/check")


def bench_source_check() -> None:
    from video_localization.core.storage import as_storage_path
    from video_localization.core.trust import check_stored_source
    from video_localization_dev.media import media_dir

    sample = str(media_dir() / "sample.mp4")
    started = time.perf_counter()
    for _ in range(SOURCE_CHECKS):
        check_stored_source("source", sample, "a video")
    checked = (time.perf_counter() - started) / SOURCE_CHECKS
    started = time.perf_counter()
    for _ in range(SOURCE_CHECKS):
        as_storage_path(sample).is_file()
    naive = (time.perf_counter() - started) / SOURCE_CHECKS
    print("plan source check (resolve, roots, sniff 568 bytes) against is_file() only")
    ratio = checked / naive
    checked_us, naive_us = checked * 1e6, naive * 1e6
    print(f"  check_stored_source: {checked_us:8.1f} us  is_file: {naive_us:8.1f} us  ratio {ratio:.1f}x")


def main() -> None:
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    with tempfile.TemporaryDirectory(prefix="vloc-bench-trust-") as folder:
        bench_seen_store(Path(folder))
    bench_source_check()


if __name__ == "__main__":
    main()
