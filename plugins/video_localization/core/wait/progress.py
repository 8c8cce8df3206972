"""The lines a person reads in a wait's task log: one per change of vendor status, not one per poll.

Someone waiting on a 30-minute dub opens the deferred task's log and should see, at INFO: what is being
waited on and until when, each new status word (with the vendor's progress where it gives one) and when
the next check is, what a callback wake did, and how it ended. Unchanged polls stay at DEBUG.
"""

from __future__ import annotations

import time


def clock(epoch: float) -> str:
    """`14:03:20 UTC` (a wait rarely crosses a day; the date is in the log line's own timestamp)."""
    return time.strftime("%H:%M:%S UTC", time.gmtime(epoch))


def moment(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def status_text(status: str, progress: str) -> str:
    status = status or "unknown"
    return f"{status} ({progress})" if progress else status


def next_check_text(next_at: float, now: float | None = None) -> str:
    now = time.time() if now is None else now
    return f"next check at {clock(next_at)} (in {max(0.0, next_at - now):.0f} s)"
