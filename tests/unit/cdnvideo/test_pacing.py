"""POST pacing: the ledger's arithmetic, threads, and a 10-language fan-out in 10 processes that never
trips the vendor's limit (while the same fan-out without pacing does)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from cdnvideo_support import CDNVideoObjects, FakeTime, connection_json, ten_languages_at_once
from video_localization.cdnvideo.hook import CDNVideoHook
from video_localization.cdnvideo.pacing import PostPacer
from video_localization_dev.sandbox.cdnvideo import constants as sandbox_constants
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import FAST_RETRY


def pacer(path: Path, fake: FakeTime, **kwargs: Any) -> PostPacer:
    return PostPacer(path, clock=fake.clock, sleep=fake.sleep, **kwargs)


# -- the ledger ----------------------------------------------------------------------------------------
def test_the_eleventh_post_waits_until_the_first_leaves_the_window(tmp_path: Path) -> None:
    fake = FakeTime()
    ledger = tmp_path / "posts.json"
    for _ in range(10):
        with pacer(ledger, fake).turn() as turn:
            turn.admit()
        fake.now += 0.5
    assert fake.sleeps == []
    with pacer(ledger, fake).turn() as turn:
        turn.admit()
    # The first POST was answered at 1000.0; the window is 60 s plus 1 s of margin.
    assert fake.now == pytest.approx(1061.0) and len(fake.sleeps) == 1
    assert len(pacer(ledger, fake).recent()) == 10  # the first one has left the ledger


def test_posts_are_recorded_when_their_answer_came_back(tmp_path: Path) -> None:
    fake = FakeTime()
    ledger = tmp_path / "posts.json"
    with pacer(ledger, fake, limit=2, window=10, margin=0).turn() as turn:
        turn.admit()
        fake.now += 3  # a slow answer (or a Retry-After wait) before a resend
        turn.admit()
        fake.now += 2
    assert json.loads(ledger.read_text()) == {"posts": [1005.0, 1005.0]}
    with pacer(ledger, fake, limit=2, window=10, margin=0).turn() as turn:
        turn.admit()
    assert fake.now == pytest.approx(1015.0)  # ten seconds after the answers, not after the sends


def test_an_unreadable_ledger_starts_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ledger = tmp_path / "posts.json"
    ledger.write_text("{half a ledger")
    assert pacer(ledger, FakeTime()).recent() == []
    assert "unreadable" in caplog.text
    with pytest.raises(ValueError, match="limit >= 1"):
        PostPacer(ledger, limit=0)


def test_threads_of_one_process_share_the_budget(tmp_path: Path) -> None:
    shared = PostPacer(tmp_path / "posts.json", limit=4, window=0.3, margin=0)
    sent: list[float] = []

    def post() -> None:
        with shared.turn() as turn:
            turn.admit()
            sent.append(time.time())

    threads = [threading.Thread(target=post) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(sent) == 12
    assert max(sum(1 for s in sent if t - 0.3 < s <= t) for t in sent) <= 4
    assert max(sent) - min(sent) >= 0.6  # twelve posts, four per 0.3 s


# -- a 10-language fan-out in 10 processes, against the sandbox -------------------------------------------
def fan_out(
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    window_seconds: float = 2.0,
    **extra: Any,
) -> tuple[CDNVideoObjects, float]:
    """Five POSTs, then ten languages at once from ten processes sharing one ledger; the vendor's window
    shortened to `window_seconds` (and ours with it) so the test takes seconds, not minutes."""
    monkeypatch.setattr(sandbox_constants, "RATE_LIMIT_WINDOW_SECONDS", window_seconds)
    monkeypatch.setenv(
        "AIRFLOW_CONN_CDNVIDEO_FANOUT",
        connection_json(sandbox, tmp_path / "pacing", post_window_seconds=window_seconds, **extra),
    )
    objects = CDNVideoObjects(CDNVideoHook("cdnvideo_fanout", retry=FAST_RETRY), sandbox)
    started = time.monotonic()
    for n in range(5):
        objects.generate(video_name=f"earlier {n}")
    ten_languages_at_once(lambda _index: "cdnvideo_fanout")
    return objects, time.monotonic() - started


def test_a_ten_language_fan_out_never_trips_the_vendors_limit(
    cdnvideo_conn: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    objects, elapsed = fan_out(cdnvideo_conn, monkeypatch, tmp_path)
    assert objects.created() == 15
    assert objects.posts() == 15  # every POST accepted at once: the vendor never answered 503
    assert elapsed >= 3.0  # five of them waited for the first five to leave the window (2 s + 1 s margin)


def test_the_same_fan_out_without_pacing_does_trip_it(
    cdnvideo_conn: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The control: with the budget set far above the vendor's, the vendor refuses some POSTs (503) and
    only its Retry-After gets them through; so the test above would see a 503 if pacing failed. The window
    is long enough that the 15 POSTs fall into it however slowly a loaded machine starts the workers."""
    objects, _elapsed = fan_out(cdnvideo_conn, monkeypatch, tmp_path, window_seconds=15.0, post_limit=1000)
    assert objects.created() == 15
    assert objects.posts() > 15
