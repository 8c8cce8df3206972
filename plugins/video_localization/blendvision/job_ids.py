"""Client-chosen dubbing job ids: the same on every try of a task instance, so a retry cannot pay twice.

The document lets the client set `dubbing_job.id`, and a repeated id is refused with 409 ALREADY_EXISTS.
So the id is derived from the task instance (dag, run, task, map index) and the request itself (source
file, languages, interval, source type) with `core.submit_once.idempotency_reference`, plus a
generation number: a retry whose earlier job FAILED moves to the next generation, a fresh job, which is
what the user retried for; any other earlier job is reattached to.

Inferred: the id pattern. The document does not print one; JOB_ID_PATTERN is the strictest common
resource-id form (AIP-122: a lower-case letter first, then lower-case letters, digits and hyphens, no
hyphen last, 63 characters at most), which the sandbox's wider pattern also accepts.
"""

from __future__ import annotations

import re
from typing import Any

from video_localization.blendvision.models import DubbingJobRequest
from video_localization.core.submit_once import idempotency_reference

JOB_ID_PATTERN = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")
JOB_ID_MAX_LENGTH = 63
#: How many fresh jobs one task instance may make after failed ones, before it stops paying.
MAX_GENERATIONS = 10


def fit_job_id(text: str) -> str:
    """`text` made to fit JOB_ID_PATTERN: lower case, other characters as hyphens, a letter first."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = "j-" + cleaned
    cleaned = cleaned[:JOB_ID_MAX_LENGTH].rstrip("-")
    if not JOB_ID_PATTERN.fullmatch(cleaned):  # pragma: no cover - the steps above guarantee it
        raise ValueError(f"cannot make a dubbing job id of {text!r}")
    return cleaned


def request_key(request: DubbingJobRequest) -> tuple[str, ...]:
    """What makes two requests the same job: source, languages, source type and interval."""
    interval = request.interval_sec
    bounds = ""
    if interval is not None and interval.start is not None and interval.end is not None:
        bounds = f"{interval.start.value}-{interval.end.value}"
    return (request.source_id, request.source_type.value, request.source_lang_code, request.lang_code, bounds)


def dubbing_job_id(context: Any, request: DubbingJobRequest, generation: int = 1) -> str:
    """The id of this task instance's `generation`-th job for `request` (`vloc-<20 hex>-<n>`)."""
    if generation < 1:
        raise ValueError("generation counts from 1")
    return fit_job_id(f"{idempotency_reference(context, *request_key(request))}-{generation}")
