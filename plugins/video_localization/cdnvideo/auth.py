"""CDNvideo tokens: fetched with the connection's login, kept per process, refreshed before they expire.

The token (header `CDN-AUTH-TOKEN`) lives about 6 hours (vendor-notes). Hooks are short-lived (a trigger
makes one per poll), so tokens are kept per process, keyed by base URL and user: the triggerer polling
a hundred tasks asks for one token, not one a poll. A token is used until shortly before it expires
(`refresh_margin`), and dropped at once when the vendor refuses it, so the next call logs in again.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from dataclasses import dataclass

from video_localization.core.errors import VendorError

#: White-label token endpoint of the platform (vendor-notes: inferred), relative to the API host.
TOKEN_PATH = "/app/oauth/v1/token/"  # noqa: S105 (a path, not a secret)
#: Header that carries the token on every API method (document).
TOKEN_HEADER = "CDN-AUTH-TOKEN"  # noqa: S105 (a header name)
#: Used when the token answer carries no `lifetime` (vendor-notes: "tokens live about 6 hours").
DEFAULT_LIFETIME_SECONDS = 6 * 3600.0
#: Refresh this long before expiry (at most a tenth of the lifetime, so short-lived tokens still get used).
REFRESH_MARGIN_SECONDS = 300.0
#: Words of a 403 that mean "the token", not "this account" or "your quota" (inferred: the document
#: shows only "invalid account"; the platform answers token problems with the word "token"). A 403 with
#: no body is treated as a token problem too.
TOKEN_FAILURE_WORDS = ("token", "auth")


@dataclass(frozen=True)
class _Token:
    value: str
    refresh_at: float


class TokenCache:
    """Live tokens by (base URL, user), shared by every hook in the process; thread-safe."""

    def __init__(self, clock=time.time) -> None:
        self._clock = clock
        self._tokens: dict[tuple[str, str], _Token] = {}
        self._guard = threading.Lock()
        self._fetch_locks: dict[tuple[str, str], threading.Lock] = {}
        self._async_fetch_locks: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[tuple[str, str], asyncio.Lock]
        ] = weakref.WeakKeyDictionary()

    def get(self, key: tuple[str, str]) -> str | None:
        with self._guard:
            token = self._tokens.get(key)
        if token is None or self._clock() >= token.refresh_at:
            return None
        return token.value

    def put(self, key: tuple[str, str], value: str, lifetime_seconds: float | None) -> None:
        lifetime = DEFAULT_LIFETIME_SECONDS if lifetime_seconds is None else max(0.0, lifetime_seconds)
        margin = min(REFRESH_MARGIN_SECONDS, lifetime / 10)
        with self._guard:
            self._tokens[key] = _Token(value, self._clock() + lifetime - margin)

    def drop(self, key: tuple[str, str]) -> None:
        with self._guard:
            self._tokens.pop(key, None)

    def fetch_lock(self, key: tuple[str, str]) -> threading.Lock:
        """Threads needing a token for the same user wait for one login instead of each logging in."""
        with self._guard:
            return self._fetch_locks.setdefault(key, threading.Lock())

    def async_fetch_lock(self, key: tuple[str, str]) -> asyncio.Lock:
        """The same for coroutines, per event loop (an asyncio lock belongs to one loop)."""
        loop = asyncio.get_running_loop()
        with self._guard:
            locks = self._async_fetch_locks.setdefault(loop, {})
            return locks.setdefault(key, asyncio.Lock())

    def clear(self) -> None:
        with self._guard:
            self._tokens.clear()


TOKENS = TokenCache()


def is_token_failure(error: VendorError) -> bool:
    """Whether a refusal is about the token (worth one fresh login and one more try)."""
    if error.status_code != 403:
        return False
    words = (error.message or "").lower()
    return not error.details or any(word in words for word in TOKEN_FAILURE_WORDS)
