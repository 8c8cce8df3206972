"""A worker for the cross-process test of the callback memory: importable by name, as `spawn` needs."""

from __future__ import annotations

import multiprocessing

from video_localization.callbacks.replay import SqliteSeenStore


def offer_keys(path: str, keys: list[str], results: multiprocessing.Queue) -> None:
    """Offer every key to the store at `path`; put how many were first sightings."""
    store = SqliteSeenStore(path)
    results.put(sum(store.first_sighting(key, 3600) for key in keys))
