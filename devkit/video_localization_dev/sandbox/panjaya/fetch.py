"""Download a user's `media_url` or `background_url` the way Panjaya must: bounded by the size limit."""

from __future__ import annotations

import ssl
from functools import lru_cache

import httpx


class FetchError(Exception):
    """The URL could not be fetched (connection error or an HTTP error status)."""


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """One TLS context for every download: building one per client blocks the event loop ~0.25 s."""
    return ssl.create_default_context()


async def fetch_bounded(url: str, limit: int, time_limit: float) -> bytes:
    """GET `url`, keeping at most `limit` bytes, so an oversized file is detected without holding it all."""
    buffer = bytearray()
    try:
        async with (
            httpx.AsyncClient(timeout=time_limit, follow_redirects=True, verify=_tls()) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code}")
            async for chunk in response.aiter_bytes():
                buffer += chunk
                if len(buffer) >= limit:
                    break
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from exc
    return bytes(buffer[:limit])
