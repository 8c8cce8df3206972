"""Offline emulator of CDNvideo's Text-to-Video Talking Head API (`https://api.cdnvideo.ru`).

Served under `/cdnvideo`, so `http://host:port/cdnvideo` stands for `https://api.cdnvideo.ru`:

- `POST /cdnvideo/app/oauth/v1/token/` form `username`, `password` ->
  `{"person_id", "status": 200, "token": "cdn1_...", "lifetime": <ms left>}`; 400 / 401 with no body.
- `.../app/th-api/v1/accounts/<account>/` + `configurations` (GET), `generate` (POST, 202), `status/<id>`
  (GET), `cancel/<id>` (DELETE), `video/<id>` (GET link, PATCH rename, DELETE), `tasks` (GET list), all
  with the `CDN-AUTH-TOKEN` header. Errors are `{"status": "ERROR", "message": ...}` with 400, 403, 422;
  404 (unknown path or method) has no body. Video links (6 h, only from the IP that asked) point to
  `/cdnvideo/thaas-video/<account>/<id>.mp4`, signed with `Sandbox.sign_path`, serving real MP4 bytes.
- Controls (not counted, never faulted): `POST /cdnvideo/_sandbox/token-lifetime {"seconds"}`,
  `/expire-tokens`, `/link-ttl {"seconds"}`, `/quota {"limit"?, "used"?, "account"?}`,
  `/clock {"advance_seconds"}`, `GET /cdnvideo/_sandbox/state`.

The vendor has no webhooks: completion is known only by polling `status/<id>`.

Inferred (each one constant in `constants.py`):
- TOKEN_PATH, the token answer's fields, 400/401 without body (white-label copies of the platform).
- TOKEN_REUSE: logging in again while a token lives returns the same token and its remaining lifetime.
- TOKEN_PREFIX `cdn1_`; MSG_NO_TOKEN / MSG_INVALID_TOKEN / MSG_TOKEN_EXPIRED, all answered 403.
- CHARS_PER_SECOND = 15: the video length estimated from the script (3 minutes = 2700 spoken characters).
- RATE_LIMIT_STATUS = 503 (+ JSON error body, Retry-After) for the 11th POST in a sliding minute.
- QUOTA_COUNTS: the 1500 monthly requests are accepted generate requests per account and UTC month; once
  used up, generate answers 403 MSG_QUOTA_EXCEEDED. `configurations.quota` shows limit/left of it.
- 422 for unknown parameter names, missing required parameters and wrong types of `generate`; 400 for
  limits (MSG_SCRIPT_TOO_LONG, MSG_NAME_TOO_LONG, MSG_VIDEO_TOO_LONG, MSG_EMPTY_SCRIPT), for
  inconsistent configurations (MSG_BAD_CONFIG "bad <field> for <actor>-<version|latest>") and for
  PATCH bodies with unknown names (the document lists no 422 for PATCH).
- MSG_NO_SUCH_TASK for unknown ids on status/cancel; MSG_VIDEO_NOT_READY for a link before `processed`.
- STATUS_CANCELED_BY_USER "CANCELED" (the document's example) vs STATUS_CANCELED "canceled" when the
  service gives up after MAX_ATTEMPTS failed attempts (SSML whose tags do not nest).
- QUEUE_STAGES / PROCESSING_STAGES: the time-driven states.
- LIST_INCLUDES_UNFINISHED (video_url/duration null until processed), DEFAULT_SORT "date" ascending.
- RESULT_MEDIA: every video is the bytes of media/sample.mp4; `duration` is the script's estimate.
- The video files answer 403 (bad signature or another IP), 410 (expired), 404 (deleted), no bodies.
"""

from __future__ import annotations

from fastapi import FastAPI

from video_localization_dev.sandbox.cdnvideo.errors import ApiError, api_error_handler
from video_localization_dev.sandbox.cdnvideo.routes import api_router, control_router
from video_localization_dev.sandbox.cdnvideo.store import Emulator
from video_localization_dev.sandbox.state import Sandbox

__all__ = ["register"]


def register(app: FastAPI, sandbox: Sandbox) -> None:
    """Mount the emulator on the sandbox app; its memory is cleared with the sandbox's reset."""
    emulator = Emulator(sandbox)
    sandbox.reset_hooks.append(emulator.reset)
    app.state.cdnvideo = emulator
    app.add_exception_handler(ApiError, api_error_handler)
    app.include_router(control_router(emulator))
    app.include_router(api_router(emulator, sandbox))
