"""At most `max_in_flight` requests in flight per (vendor, base URL) on one event loop.

Why: httpx's `AsyncConnectionPool` rescans its whole queue for every request it assigns, so thousands of
requests queued on the one shared client stall the loop (measured: 2,000 first polls sent nothing for
125 s). Waiting here, in an `asyncio.Semaphore` (a FIFO of futures, O(1) per wake), keeps the pool's queue
short whatever the number of waits.
"""

from __future__ import annotations

import asyncio
import weakref

from video_localization.core.wait import settings

_limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def in_flight(vendor: str, target: str) -> asyncio.Semaphore:
    """The running loop's semaphore for requests to `target` (a vendor's base URL)."""
    loop = asyncio.get_running_loop()
    per_loop = _limits.get(loop)
    if per_loop is None:
        per_loop = _limits[loop] = {}
    semaphore = per_loop.get((vendor, target))
    if semaphore is None:
        semaphore = per_loop[(vendor, target)] = asyncio.Semaphore(max(1, settings.get_int("max_in_flight")))
    return semaphore
