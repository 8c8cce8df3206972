"""A run's source, judged before anything is spent: a public http(s) URL the vendor fetches, or a video
file under the configured source roots that this project streams.

The answer's `kind` and `source` are what the plan stores: `{"kind": "url" | "path", "source": ...}`
(a URL's original is also under `url`, for the plan's own checks, never stored). A URL that carries a
secret (a pre-signed query, userinfo) is stored as a reference to the run's conf (`core.secret_source`),
and every refusal shows the URL redacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

from video_localization.core import secret_source
from video_localization.core.errors import InvalidInputError
from video_localization.core.http import redact_query
from video_localization.core.trust import check_stored_source, check_text
from video_localization.core.urls import check_public_url
from video_localization.core.validation import http_url


def check_source(field: str, value: Any, storage_schemes: Sequence[str], help_text: str) -> dict[str, str]:
    """Classify and confine a source; raise `InvalidInputError` naming `field` when it may not be used."""
    raw = str(value if value is not None else "")
    is_url = urlparse(raw.strip()).scheme.lower() in ("http", "https") if "://" in raw else False
    if is_url:
        secret_source.mask(raw.strip())  # before any message could print it
    shown = redact_query(raw) if is_url else value
    text = check_text(field, value, help_text, shown=shown)
    if not text:
        raise InvalidInputError(field, value, help_text, "empty")
    scheme = urlparse(text).scheme.lower() if "://" in text else ""
    if scheme in ("http", "https"):
        try:
            url = http_url(field, text)
        except InvalidInputError:
            raise InvalidInputError(field, shown, help_text, "not an absolute http(s) URL") from None
        check_public_url(field, url, shown=shown)
        # `source` is what the plan stores; `url` (the original) is for the plan's own checks only.
        return {"kind": "url", "source": secret_source.protect(field, url), "url": url}
    if scheme and scheme not in storage_schemes:
        raise InvalidInputError(field, value, help_text, f"the {scheme}:// scheme is not supported")
    return {"kind": "path", "source": check_stored_source(field, text, help_text)}
