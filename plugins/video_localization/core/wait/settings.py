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

from video_localization.core.config import WAIT_SETTINGS

SECTION = "video_localization"

#: The defaults, declared with every other setting in `core.config` (so `airflow config list` shows them).
DEFAULTS: dict[str, str] = {key: default for key, (_kind, default, _text) in WAIT_SETTINGS.items()}


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
