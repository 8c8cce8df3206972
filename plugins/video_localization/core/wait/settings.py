"""Every option of the wait engine, read from Airflow's conf, section `[video_localization]`.

Set them in `airflow.cfg` or as `AIRFLOW__VIDEO_LOCALIZATION__<KEY>` environment variables. The trigger
runner subprocess may not touch the metadata DB, so nothing here comes from Variables or Connections.
Values are read when a status loop or listener is built (once per event loop), not per poll.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from pathlib import Path

from airflow.sdk import conf

SECTION = "video_localization"

#: The defaults, documented in one place (README "Wait engine settings" lists the same).
DEFAULTS: dict[str, str] = {
    # Requests in flight per (vendor, base URL) on one event loop; httpx's pool holds 100 connections,
    # and five vendors x 20 stay at or below it, so requests never pile up inside the pool.
    "max_in_flight": "20",
    # The first poll of a wait is spread over the last `first_poll_jitter` fraction of its interval
    # (and a trigger (re)started without a fresh observation polls within that fraction of it).
    "first_poll_jitter": "0.2",
    # The poll schedule "first,factor,cap" (seconds); `poll_schedule_<vendor>` overrides it per vendor.
    # Empty: the schedule the operator put into the trigger (its poll_interval/backoff/max_poll_interval).
    "poll_schedule": "",
    # With callbacks expected (a wake channel and a callback URL given to the vendor), polling is only
    # the safety net: "first,factor,cap", `callback_poll_schedule_<vendor>` per vendor.
    "callback_poll_schedule": "1200,1,1200",
    # A trigger started within this many seconds of the operator's check skips its start poll (the
    # operator just asked); started later (a triggerer restart) it polls at start, since a Redis wake
    # sent while no triggerer listened is lost.
    "fresh_observation": "30",
    # How long a status loop gathers due lookups before one list call answers them all.
    "batch_window": "0.25",
    # At least this many seconds between two list calls of one status loop (a list pages through jobs).
    "min_list_interval": "3",
    # With at least this many waits on one status loop, it sweeps: one list call every
    # `min_list_interval` for all of them (fewer waits only poll on their own schedules).
    "sweep_min_waits": "50",
    # A list call reads at most this many pages before the jobs it has not seen fall back to single lookups.
    "max_list_pages": "200",
    # `file` (wake files in `wake_dir`, one machine), `file:///abs/dir`, `redis://host:port/db`, or `none`.
    "wake_channel": "file",
    # The wake directory of the `file` channel; default `$AIRFLOW_HOME/vloc-wakes`.
    "wake_dir": "",
    # How often one shared scanner per trigger process looks at the wake directory (seconds).
    "wake_scan_interval": "0.25",
    # Prefix of the Redis pub/sub channel (`<prefix>:wake`), so several stacks can share one Redis.
    "wake_prefix": "vloc",
}


#: Values read once per event loop: thousands of triggers starting together read the same keys, and a
#: test (or a restarted triggerer) with a new loop reads them afresh.
_cache: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, str]] = weakref.WeakKeyDictionary()


def _read(key: str, fallback: str) -> str:
    try:
        per_loop = _cache.setdefault(asyncio.get_running_loop(), {})
    except RuntimeError:  # no loop: the api-server's sync code, a CLI
        return str(conf.get(SECTION, key, fallback=fallback)).strip()
    if key not in per_loop:
        per_loop[key] = str(conf.get(SECTION, key, fallback=fallback)).strip()
    return per_loop[key]


def get(key: str) -> str:
    return _read(key, DEFAULTS.get(key, ""))


def get_int(key: str) -> int:
    return int(get(key))


def get_float(key: str) -> float:
    return float(get(key))


def vendor_value(key: str, vendor: str) -> str:
    """`<key>_<vendor>` when set, else `<key>`."""
    specific = _read(f"{key}_{vendor}", "")
    return specific or get(key)


def wake_dir() -> Path:
    configured = get("wake_dir")
    if configured:
        return Path(configured)
    channel = get("wake_channel")
    if channel.startswith("file://") and len(channel) > len("file://"):
        return Path(channel.removeprefix("file://"))
    home = os.environ.get("AIRFLOW_HOME") or str(Path.home() / "airflow")
    return Path(home) / "vloc-wakes"
