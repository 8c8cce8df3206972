"""CDNvideo POST pacing shared through Redis: workers that share no folder still share one budget.

The time is fake (injectable clock and sleep), so nothing depends on how fast this machine is: two pacers,
then two processes whose common fake clock lives in Redis itself, send 30+ POSTs and no 60 s window ever
holds more than 10. Then the real bug: ten worker processes, each with a pacing folder of its own (as in
ten containers), against the vendor sandbox: with the Redis ledger the vendor never refuses a POST.

Needs Redis on 127.0.0.1:6379 (database `VLOC_TEST_REDIS_DB`, default 11, keys of each test's own);
skips without it, except under `CI=true`, where it fails.
"""

# ruff: noqa: F811  (fixtures imported from cdnvideo_support are redefined as test arguments)
from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cdnvideo_support import (  # noqa: F401
    GENERATE_ROUTE,
    TEN_LOCALES,
    CDNVideoObjects,
    FakeTime,
    cdnvideo_conn,
    connection_json,
    ten_languages_at_once,
)
from video_localization.cdnvideo.hook import CDNVideoHook
from video_localization.cdnvideo.pacing import PostPacer
from video_localization.cdnvideo.shared_pacing import RedisPostPacer, shared_pacer
from video_localization_dev.sandbox.cdnvideo import constants as sandbox_constants
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import FAST_RETRY

REDIS_DB = int(os.environ.get("VLOC_TEST_REDIS_DB", "11"))
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
LIMIT, WINDOW = 10, 60.0


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the test database; its keys are deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        message = f"Redis is not reachable at {REDIS_URL} ({error}); the shared-pacing tests need it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: these tests must run)")
        pytest.skip(message)
    prefix = f"vloc-pacing-test-{uuid.uuid4().hex[:8]}:"
    try:
        yield prefix
    finally:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        client.close()


def busiest_window(times: list[float], window: float = WINDOW) -> int:
    """The most POSTs in any half-open `window`-second span (each span starting at a POST)."""
    ordered = sorted(times)
    return max((sum(1 for t in ordered if start <= t < start + window) for start in ordered), default=0)


def test_busiest_window_counts_what_it_should() -> None:
    """The check below has teeth: 11 POSTs within 59 s are seen as 11."""
    assert busiest_window([0, *range(1, 60, 6)]) == 11
    assert busiest_window([0, 60, 120]) == 1


# -- two pacers in one process, one fake clock ------------------------------------------------------------
def test_two_pacers_sharing_redis_never_exceed_ten_posts_in_any_minute(redis_prefix: str) -> None:
    fake = FakeTime()
    key = redis_prefix + "ledger"
    pacers = [
        RedisPostPacer(REDIS_URL, key, limit=LIMIT, window=WINDOW, clock=fake.clock, sleep=fake.sleep)
        for _ in range(2)
    ]
    received: list[float] = []
    for n in range(35):
        with pacers[n % 2].turn() as turn:
            turn.admit()
            fake.now += 0.3  # on the wire: the vendor receives it a little later ...
            received.append(fake.now)
            fake.now += 0.3  # ... and its answer comes back later still
    assert len(received) == 35
    assert busiest_window(received) == LIMIT  # full use of the budget, never more
    assert fake.now - 1000.0 >= 3 * WINDOW  # 35 POSTs need three full windows of waiting
    # Each pacer alone would allow 10 a minute (20 together); the file ledgers of two machines did.
    for pacer in pacers:
        pacer.client.close()


def test_an_attempt_on_the_wire_counts_until_its_answer_comes_back(redis_prefix: str) -> None:
    """A slow POST is never dropped from the window while the vendor may still receive it."""
    fake = FakeTime()
    make = {"limit": 2, "window": 10.0, "margin": 0.0, "clock": fake.clock, "sleep": fake.sleep}
    slow = RedisPostPacer(REDIS_URL, redis_prefix + "ledger", **make)
    other = RedisPostPacer(REDIS_URL, redis_prefix + "ledger", **make)
    with slow.turn() as slow_turn:
        slow_turn.admit()
        fake.now += 100.0  # ten windows later, still waiting for its answer
        with other.turn() as turn:
            turn.admit()  # room for one more ...
        started = fake.now
        with other.turn() as turn:
            turn.admit()  # ... but not two: the slow one still counts
        assert fake.now == pytest.approx(started + 10.0)
    # Settled: the slow POST is now recorded at the time its answer came back (beside the other's second;
    # the other's first has left the window).
    assert sorted(slow.recent()) == pytest.approx([started + 10.0, started + 10.0])


def test_a_retry_inside_one_turn_is_paced_too(redis_prefix: str) -> None:
    fake = FakeTime()
    pacer = RedisPostPacer(
        REDIS_URL,
        redis_prefix + "ledger",
        limit=2,
        window=10.0,
        margin=0.0,
        clock=fake.clock,
        sleep=fake.sleep,
    )
    with pacer.turn() as turn:
        turn.admit()
        turn.admit()  # the vendor answered 503: the same request, sent again
        fake.now += 1.0
        turn.admit()  # a third attempt waits: both earlier ones count from when their answers came back
        assert turn.waited == pytest.approx(10.0)


# -- two processes, one fake clock kept in Redis ----------------------------------------------------------
class RedisClock:
    """A fake clock every process sees: a number in Redis that only `sleep` moves forward."""

    def __init__(self, key: str) -> None:
        import redis

        self.key = key
        self.client = redis.Redis.from_url(REDIS_URL)
        self.client.setnx(key, "1000")

    def clock(self) -> float:
        return float(self.client.get(self.key))

    def sleep(self, seconds: float) -> None:
        self.client.incrbyfloat(self.key, seconds)


def _post_in_a_process(prefix: str, posts: int) -> None:
    """One worker: `posts` POSTs through its own pacer, each vendor receipt time pushed to a Redis list."""
    clock = RedisClock(prefix + "clock")
    pacer = RedisPostPacer(
        REDIS_URL, prefix + "ledger", limit=LIMIT, window=WINDOW, clock=clock.clock, sleep=clock.sleep
    )
    for _ in range(posts):
        with pacer.turn() as turn:
            turn.admit()
            clock.sleep(0.2)  # the request on the wire
            clock.client.rpush(prefix + "received", repr(clock.clock()))


def test_two_processes_sharing_redis_never_exceed_ten_posts_in_any_minute(redis_prefix: str) -> None:
    clock = RedisClock(redis_prefix + "clock")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_post_in_a_process, args=(redis_prefix, 16)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    received = [float(t) for t in clock.client.lrange(redis_prefix + "received", 0, -1)]
    assert len(received) == 32
    assert busiest_window(received) <= LIMIT
    assert clock.clock() - 1000.0 >= 3 * WINDOW  # the budget made them wait, in fake time


# -- the setting -------------------------------------------------------------------------------------------
def test_a_pacing_url_that_is_not_redis_is_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match=r"cdnvideo_pacing_url = 'postgresql://db/x' is not a Redis URL"):
        shared_pacer("postgresql://db/x", "k", limit=10, window=60)


def test_the_hook_uses_the_file_ledger_unless_the_setting_names_redis(
    cdnvideo_conn: RunningSandbox, monkeypatch: pytest.MonkeyPatch, redis_prefix: str
) -> None:
    monkeypatch.delenv("AIRFLOW__VIDEO_LOCALIZATION__CDNVIDEO_PACING_URL", raising=False)
    assert isinstance(CDNVideoHook().pacer, PostPacer)
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__CDNVIDEO_PACING_URL", REDIS_URL)
    pacer = CDNVideoHook().pacer
    assert isinstance(pacer, RedisPostPacer)
    assert pacer.url == REDIS_URL and (pacer.limit, pacer.window) == (10, 60.0)
    assert pacer.key.startswith("video-localization:cdnvideo:posts:")


def test_without_its_redis_a_post_is_not_sent(
    cdnvideo_conn: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The budget cannot be checked, so nothing is spent: the task fails (and Airflow may retry it)."""
    import redis

    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__CDNVIDEO_PACING_URL", "redis://127.0.0.1:1/0")
    objects = CDNVideoObjects(CDNVideoHook(retry=FAST_RETRY), cdnvideo_conn)
    with pytest.raises(redis.ConnectionError):
        objects.generate()
    assert objects.posts() == 0 and objects.created() == 0


# -- ten "containers" against the vendor sandbox ----------------------------------------------------------
def test_ten_containers_sharing_redis_never_trip_the_vendors_limit(
    cdnvideo_conn: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    redis_prefix: str,
    request: pytest.FixtureRequest,
) -> None:
    """Five POSTs, then ten at once from ten processes that share no folder; the vendor's window is
    shortened to 2 s (and ours with it). A file ledger per process would let all ten through at once and
    the vendor would answer 503 (test_cdnvideo_pacing shows that control)."""
    sandbox = cdnvideo_conn
    monkeypatch.setattr(sandbox_constants, "RATE_LIMIT_WINDOW_SECONDS", 2.0)
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__CDNVIDEO_PACING_URL", REDIS_URL)
    for index in range(len(TEN_LOCALES)):
        box = connection_json(sandbox, tmp_path / f"box{index}", post_window_seconds=2)
        monkeypatch.setenv(f"AIRFLOW_CONN_CDNVIDEO_BOX{index}", box)
    monkeypatch.setenv(
        "AIRFLOW_CONN_CDNVIDEO_EARLIER", connection_json(sandbox, tmp_path / "earlier", post_window_seconds=2)
    )
    objects = CDNVideoObjects(CDNVideoHook("cdnvideo_earlier", retry=FAST_RETRY), sandbox)
    ledger = objects.hook.pacer
    assert isinstance(ledger, RedisPostPacer)
    request.addfinalizer(lambda: ledger.client.delete(ledger.key))
    for n in range(5):
        objects.generate(video_name=f"earlier {n}")
    ten_languages_at_once(lambda index: f"cdnvideo_box{index}")
    assert objects.created() == 15
    assert objects.posts() == 15  # every POST accepted at once: the vendor never answered 503
