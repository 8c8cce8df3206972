"""A user's pre-signed source URL goes to the vendor and nowhere else readable.

A pre-signed link (`...?X-Amz-Signature=...`, or `https://user:pass@host/...`) is a credential: whoever
reads it can fetch the video until it expires. Airflow keeps XCom values, rendered template fields and
task logs for anyone with read access to the DAG, so the URL must not reach any of them:

- `protect(field, url)` is what the plan stores instead: a reference to the run's own conf that shows
  only the redacted URL (`<run conf 'source': https://host/v.mp4?<redacted>>`). It flows through XCom
  and into operators' template fields as that text.
- `resolve(value, context)` is called by the operator that sends the URL to the vendor, at execute time:
  it reads the original from the run's params (the conf the run was triggered with), checks that it is
  still the URL the plan approved, and registers it with Airflow's secrets masker before answering it.
- `mask(url)` registers the URL (and its query and long query values) with the masker, so a line that
  prints any of them is masked in task logs; the plan calls it before anything else.

Plain URLs (no query, no userinfo) carry no secret and stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlparse

from video_localization.core.http import redact_query

_REFERENCE = re.compile(r"^<run conf '(?P<field>[A-Za-z_][A-Za-z0-9_]*)': (?P<shown>.+)>$", re.DOTALL)
#: Query values at least this long are masked on their own too (a signature; not `600` or `en`).
MIN_MASKED_VALUE = 12


class SourceReferenceError(ValueError):
    """A reference whose original is missing from the run's conf, or is not the URL the plan approved."""


def carries_secret(url: str) -> bool:
    """True when redacting the URL hides something (a query string or userinfo)."""
    return redact_query(url) != url


def mask(url: str) -> None:
    """Register the URL, its query string, its userinfo and its long query values with the masker."""
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - always there with Airflow 3
        return
    parsed = urlparse(url)
    secrets = {url}
    if parsed.query:
        secrets.add(parsed.query)
        secrets.update(value for _, value in parse_qsl(parsed.query) if len(value) >= MIN_MASKED_VALUE)
    if parsed.password:
        secrets.add(parsed.password)
    for secret in secrets:
        mask_secret(secret)


def protect(field: str, url: str) -> str:
    """What a plan stores for a source URL: the URL if it is plain, else a reference to the run's conf."""
    if not carries_secret(url):
        return url
    mask(url)
    return f"<run conf '{field}': {redact_query(url)}>"


def is_reference(value: Any) -> bool:
    return isinstance(value, str) and _REFERENCE.match(value) is not None


def shown(value: Any) -> str:
    """What may be printed or stored for a plan's source: the redacted URL, whatever was stored."""
    match = _REFERENCE.match(value) if isinstance(value, str) else None
    return match.group("shown") if match else redact_query(str(value))


def resolve(value: Any, context: Mapping[str, Any] | None) -> Any:
    """The original URL behind a reference (masked in this process's logs); other values unchanged."""
    match = _REFERENCE.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    field = match.group("field")
    original = _from_run(field, context or {})
    if original is None:
        raise SourceReferenceError(f"{value}: the run's conf has no {field!r} to send")
    original = str(original).strip()
    if redact_query(original) != match.group("shown"):
        raise SourceReferenceError(
            f"{value}: the run's {field!r} is no longer the URL the plan approved ({redact_query(original)})"
        )
    mask(original)
    return original


def _from_run(field: str, context: Mapping[str, Any]) -> Any:
    """The field as the run was triggered with it: its params (conf merged in), else the DagRun's conf."""
    params = context.get("params") or {}
    if field in params and params[field] not in (None, ""):
        return params[field]
    dag_run = context.get("dag_run")
    conf = getattr(dag_run, "conf", None) or {}
    return conf.get(field)
