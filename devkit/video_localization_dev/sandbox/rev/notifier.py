"""The ticker that makes orders progress on their own and posts their notifications.

Started by the first request to `/rev` (on the server's event loop), it advances every order a few
times a step and posts what became due, one at a time so a client sees them in order. Rev neither signs
nor retries notifications and ignores the answer (notes); failures are only recorded by the sandbox.
"""

from __future__ import annotations

import asyncio
import logging

from video_localization_dev.sandbox.rev.store import RevStore
from video_localization_dev.sandbox.rev.wire import VENDOR

log = logging.getLogger(__name__)

MIN_TICK_SECONDS = 0.01
MAX_TICK_SECONDS = 0.25


class Notifier:
    def __init__(self, store: RevStore) -> None:
        self.store = store
        self._task: asyncio.Task | None = None

    async def ensure_running(self) -> None:
        """A router dependency: start the ticker on the running loop if it is not ticking."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="rev-notifier")

    def _interval(self) -> float:
        step = self.store.sandbox.settings.step_seconds
        return min(MAX_TICK_SECONDS, max(MIN_TICK_SECONDS, step / 2))

    async def _run(self) -> None:
        while True:
            try:
                for url, body, headers in self.store.tick():
                    await self.store.sandbox.post_callback(VENDOR, url, body, headers)
            except Exception:
                log.exception("the Rev notifier failed a tick")
            await asyncio.sleep(self._interval())
