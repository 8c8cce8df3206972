"""Callback wakes: the api-server's receiver says "job X may have changed", the waiting trigger looks.

A wake is only a hint. The trigger it reaches asks the vendor once (a single lookup) and believes only the
vendor's answer, so a forged or replayed wake costs one status call and nothing else. That is also why a
Rev notification (unsigned) may wake a trigger at all.

Channels (`[video_localization] wake_channel`):
- `file` / `file:///dir` (default; api-server and triggerer on one machine): the sender creates a file
  named `<key>.<nanoseconds>` in the wake directory; one scanner per trigger process checks the
  directory's mtime every `wake_scan_interval` and reads it only when it changed. A wake file outlives a
  triggerer restart: the re-armed trigger finds it.
- `redis://host:port/db` (the distributed topology: Redis is already there as the Celery broker): the
  sender PUBLISHes the key on `<wake_prefix>:wake`; one subscriber per trigger process. A message sent
  while no triggerer listens is lost, so every trigger polls once at start unless the operator's own
  check is fresh.
- `none`: polling alone.

Not `Trigger.submit_event`: the trigger keeps running after it and is later cancelled through `on_kill`,
which cancels the vendor job for vendors that can (see airflow-notes, "Waking a deferred trigger").

Keys are a hash of (vendor, job id): no vendor id becomes a path, and keys have one fixed shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
import weakref
from collections.abc import Callable
from pathlib import Path

from video_localization.core.wait import settings

log = logging.getLogger(__name__)

#: Wake files older than this are for waits that ended or never came: the scanner removes them.
STALE_WAKE_SECONDS = 24 * 3600.0
KEY_LENGTH = 32


def wake_key(vendor: str, job_id: str) -> str:
    return hashlib.sha256(f"{vendor}\0{job_id}".encode()).hexdigest()[:KEY_LENGTH]


def channel_url() -> str:
    return settings.get("wake_channel") or "none"


def redis_channel_name() -> str:
    return f"{settings.get('wake_prefix')}:wake"


# -- sending (the api-server) --------------------------------------------------------------------------
async def wake(vendor: str, job_id: str) -> bool:
    """Tell the trigger waiting on (vendor, job_id), wherever it runs, to look now. Never raises:
    a callback receiver must answer the vendor whatever happens here; answers whether it was sent."""
    key = wake_key(vendor, job_id)
    url = channel_url()
    try:
        if url.startswith("redis://") or url.startswith("rediss://"):
            import redis.asyncio as aioredis

            client = aioredis.Redis.from_url(url)
            try:
                await client.publish(redis_channel_name(), key)
            finally:
                await client.aclose()
        elif url == "file" or url.startswith("file://"):
            await asyncio.to_thread(_write_wake_file, settings.wake_dir(), key)
        else:
            return False
    except Exception as error:  # a wake is best effort; polling still finds the job
        log.warning(
            "Could not wake the wait on %s job %s through %s: %s", vendor, job_id, url.split("@")[-1], error
        )
        return False
    log.info("Woke the wait on %s job %s", vendor, job_id)
    return True


def _write_wake_file(directory: Path, key: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{key}.{time.time_ns()}.tmp"
    temporary.write_bytes(b"")
    # the rename is what changes the directory's mtime, after the file is whole
    temporary.rename(directory / f"{key}.{time.time_ns()}")


# -- listening (the triggerer) -------------------------------------------------------------------------
class WakeListener:
    """One per event loop and channel: keys -> callbacks, fed by one background task."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._callbacks: dict[str, set[Callable[[], None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self.received = 0

    def register(self, vendor: str, job_id: str, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` on every wake for (vendor, job_id); answers the unregister."""
        key = wake_key(vendor, job_id)
        self._callbacks.setdefault(key, set()).add(callback)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())
        if self.url.startswith("file"):
            self._consume_files({key})  # a wake that came while nobody listened (e.g. during a restart)

        def unregister() -> None:
            callbacks = self._callbacks.get(key)
            if callbacks is not None:
                callbacks.discard(callback)
                if not callbacks:
                    del self._callbacks[key]
            if not self._callbacks and self._task is not None:
                self._task.cancel()
                self._task = None

        return unregister

    def _fire(self, key: str) -> None:
        for callback in list(self._callbacks.get(key, ())):
            self.received += 1
            callback()

    async def _run(self) -> None:
        if self.url.startswith("redis"):
            await self._listen_redis()
        else:
            await self._scan_files()

    # file channel
    async def _scan_files(self) -> None:
        directory = settings.wake_dir()
        interval = settings.get_float("wake_scan_interval")
        last_mtime = -1
        last_sweep = time.monotonic()
        while True:
            try:
                mtime = directory.stat().st_mtime_ns
            except FileNotFoundError:
                mtime = 0
            if mtime != last_mtime:
                last_mtime = mtime
                self._consume_files(set(self._callbacks))
            if time.monotonic() - last_sweep > 3600:
                last_sweep = time.monotonic()
                _sweep_stale(directory)
            await asyncio.sleep(interval)

    def _consume_files(self, keys: set[str]) -> None:
        directory = settings.wake_dir()
        try:
            names = os.listdir(directory)
        except FileNotFoundError:
            return
        woken: set[str] = set()
        for name in names:
            key = name.split(".", 1)[0]
            if key in keys and not name.startswith("."):
                with contextlib.suppress(FileNotFoundError):
                    (directory / name).unlink()  # consumed: only the listener of this key removes it
                woken.add(key)
        for key in woken:
            self._fire(key)

    # redis channel
    async def _listen_redis(self) -> None:
        import redis.asyncio as aioredis

        delay = 1.0
        while True:
            client = aioredis.Redis.from_url(self.url)
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(redis_channel_name())
                delay = 1.0
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message and message.get("type") == "message":
                        data = message["data"]
                        key = data.decode() if isinstance(data, bytes) else str(data)
                        self._fire(key)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # reconnect; polling covers the gap
                log.warning("Wake subscriber lost Redis (%s); reconnecting in %.0f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()


def _sweep_stale(directory: Path) -> None:
    cutoff = time.time() - STALE_WAKE_SECONDS
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(directory):
            with contextlib.suppress(FileNotFoundError):
                if entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)


_listeners: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, WakeListener] = weakref.WeakKeyDictionary()


def enabled() -> bool:
    """Whether a wake channel is configured (`wake_channel` is a file or Redis channel, not `none`)."""
    url = channel_url()
    return url != "none" and (url == "file" or url.startswith(("file://", "redis://", "rediss://")))


def listener() -> WakeListener | None:
    """The running loop's listener for the configured channel; None when wakes are off."""
    if not enabled():
        return None
    url = channel_url()
    loop = asyncio.get_running_loop()
    current = _listeners.get(loop)
    if current is None or current.url != url:
        current = _listeners[loop] = WakeListener(url)
    return current
