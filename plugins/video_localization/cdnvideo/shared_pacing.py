"""CDNvideo POST pacing shared through Redis: one budget for every worker of a distributed deployment.

Why: CDNvideo allows 10 POST requests a minute (vendor-notes); the notes do not say per client, so the
money-safe reading is one budget for everything that uses the account. The file ledger of `pacing.py` is
shared only by processes that see the same folder, so two Celery workers in two containers each allowed
10 a minute: 20 reached the vendor. A distributed deployment already has a Redis
(the Celery broker); `[video_localization] cdnvideo_pacing_url = redis://...` puts the ledger there.

The ledger is a sorted set of POST attempts, scored by time. One Lua script (atomic in Redis) drops the
entries that left the window, counts the rest, and either adds this attempt or answers the oldest entry's
time so the caller knows how long to wait; no lock is held while a POST is on the wire.

What keeps the vendor's own count under the limit, as the file ledger does:
- An attempt on the wire is scored `now + in_flight_lease` (in the future), so it counts until its answer
  comes back, however slow the network is; then it is scored with the time its answer came back, which is no
  earlier than when the vendor received it. A worker that dies mid-request leaves its entry counting until the
  lease and one window have passed (it may have reached the vendor, so that is the money-safe side).
- `margin` adds slack for clocks that tick slightly differently on different machines: the times are each
  worker's own clock (injectable, so tests run on a fake clock), not Redis's.
- When Redis cannot be reached the budget cannot be checked, so the POST is not sent: the error fails the
  task (which Airflow may retry) instead of spending outside the budget.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

#: How long an attempt on the wire counts as "sent now" before its answer settles it (seconds). Longer than
#: any request's timeout, so an entry is never dropped while its POST may still reach the vendor.
IN_FLIGHT_LEASE = 600.0

# KEYS[1] = the ledger. ARGV = horizon, limit, member, score while in flight, key lifetime (s).
# Answers {1, ""} when the attempt was added, {0, oldest score} when the window is full.
_ADMIT_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  return {1, ''}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, oldest[2]}
"""


class RedisPacerTurn:
    """One request's turn (the request and its retries): `admit()` before each POST attempt."""

    def __init__(self, pacer: RedisPostPacer) -> None:
        self._pacer = pacer
        self._mine: list[str] = []
        self.waited = 0.0

    def admit(self) -> None:
        """Wait until one more POST fits in the window, then count it (as on the wire)."""
        pacer = self._pacer
        self.settle()  # the earlier attempts of this turn have been answered by now
        member = uuid.uuid4().hex
        while True:
            now = pacer.clock()
            horizon = now - pacer.window - pacer.margin
            admitted, oldest = pacer.admit_script(
                keys=[pacer.key],
                args=[
                    repr(horizon),
                    pacer.limit,
                    member,
                    repr(now + pacer.in_flight_lease),
                    pacer.key_lifetime,
                ],
            )
            if int(admitted):
                self._mine.append(member)
                return
            wait = max(float(oldest) - horizon, 0.01)
            log.info(
                "CDNvideo allows %d POSTs in %g s for the whole account and the shared budget is spent; "
                "waiting %.1f s",
                pacer.limit,
                pacer.window,
                wait,
            )
            pacer.sleep(wait)
            self.waited += wait

    def settle(self) -> None:
        """Score this turn's attempts with the time their answers came back (now)."""
        if not self._mine:
            return
        pacer = self._pacer
        now = pacer.clock()
        # XX: only entries that are there; an entry is never dropped while it is scored in the future.
        pacer.client.zadd(pacer.key, dict.fromkeys(self._mine, now), xx=True)


class RedisPostPacer:
    """A sliding-window POST budget in a Redis sorted set, shared by every process using `key` there.

    :param url: the Redis URL (`redis://host:6379/1`, `rediss://...` for TLS).
    :param key: the ledger's key; one per vendor account.
    :param limit: POSTs allowed in any `window` seconds.
    :param window: the vendor's window, seconds.
    :param margin: extra seconds an entry is kept, for clocks of different machines.
    :param clock: the time source (injectable for tests).
    :param sleep: how to wait (injectable for tests).
    :param client: an existing Redis client (tests); else one is made from `url`.
    """

    def __init__(
        self,
        url: str,
        key: str,
        *,
        limit: int = 10,
        window: float = 60.0,
        margin: float = 1.0,
        in_flight_lease: float = IN_FLIGHT_LEASE,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        client: Any = None,
    ) -> None:
        if limit < 1 or window <= 0 or margin < 0 or in_flight_lease <= 0:
            raise ValueError(
                "pacing needs limit >= 1, window > 0, margin >= 0, in_flight_lease > 0; "
                f"got {limit}, {window}, {margin}, {in_flight_lease}"
            )
        if client is None:
            import redis

            client = redis.Redis.from_url(url)
        self.url = url
        self.key = key
        self.limit = limit
        self.window = window
        self.margin = margin
        self.in_flight_lease = in_flight_lease
        self.clock = clock
        self.sleep = sleep
        self.client = client
        self.admit_script = client.register_script(_ADMIT_SCRIPT)
        #: The ledger disappears once nothing has been sent for a lease and a window.
        self.key_lifetime = int(in_flight_lease + window + margin) + 60

    @contextmanager
    def turn(self) -> Iterator[RedisPacerTurn]:
        """One request and its retries; its attempts are settled when the turn ends, however it ends."""
        turn = RedisPacerTurn(self)
        try:
            yield turn
        finally:
            turn.settle()

    def recent(self) -> list[float]:
        """The POST times the ledger holds now, in-flight attempts at their lease (for tests and logs)."""
        horizon = self.clock() - self.window - self.margin
        entries = self.client.zrangebyscore(self.key, f"({horizon!r}", "+inf", withscores=True)
        return [score for _, score in entries]


#: URL schemes of a shared ledger (redis-py's own: TCP, TLS, a Unix socket).
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def shared_pacer(url: str, key: str, *, limit: int, window: float) -> RedisPostPacer:
    """The shared pacer `[video_localization] cdnvideo_pacing_url` names; a URL of another kind is refused
    before any vendor call, with the value and what is allowed."""
    if not url.startswith(REDIS_SCHEMES):
        raise ValueError(
            f"[video_localization] cdnvideo_pacing_url = {url!r} is not a Redis URL: use empty (a file "
            f"ledger on this machine) or a URL starting with {', '.join(REDIS_SCHEMES)}"
        )
    return RedisPostPacer(url, key, limit=limit, window=window)
