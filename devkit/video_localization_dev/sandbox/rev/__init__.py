"""Offline emulator of Rev's AI caption API, served under `/rev` (standing for `https://api.rev.com/api/v1`).

Follows /work/shared/vendor-docs/rev-ai-captions.md; where it is silent, vendor-notes.md, then Rev's SDK
and public pages; the remaining guesses are the "Inferred" constants below. Wire format:

- Auth: `Authorization: Rev <client key>:<user key>` with `SANDBOX_CLIENT_KEY` and a user key of
  `default_accounts()`; else 401 with `WWW-Authenticate: Rev`. `SANDBOX_USER_KEY` may place sandbox-mode
  orders only (50002 otherwise); `PRODUCTION_USER_KEY` may place real orders too.
- Errors: `{"code": <int>, "message": "...", "detail"?: "..."}` (XML `<error>` when the request was XML or
  `Accept` prefers XML); 400 with the document's codes; 401, 404, 406 carry their HTTP status as code.
- `POST /inputs`: raw body (Content-Type + `Content-Disposition: attachment; filename="..."`), multipart
  with one file part, or JSON/XML `{url, filename?, content_type?}` that the sandbox downloads -> 201,
  `Location: urn:rev:inputmedia:<id>`; codes 10001-10004 (Rev SDK's InputRequestErrorCodes).
- `POST /orders` (JSON or XML `order_request`, `automated_caption_options` per the document) -> 201, empty
  body, `Location: <base>/orders/CP##########`; every documented order error from its real cause.
- `GET /orders?page=&clientRef=` -> `{total_count, results_per_page, page, orders}`; `GET /orders/{n}`
  -> `{order_number, client_ref?, po_number?, price, status, priority, non_standard_tat_guarantee,
  caption: {total_length, total_length_seconds}, comments[{by, timestamp, text}], attachments[...]}`;
  `POST /orders/{n}/cancel` -> 204, or `CANCEL_REFUSED_STATUS` once work has begun.
- `GET /attachments/{id}` -> `{kind, name, id, video_length_seconds?, deliverable_type?, links[{rel,
  href, content_type}]}`; `GET /attachments/{id}/content` (format by `Accept`) and
  `/attachments/{id}/content.{ext}` in every caption format of the document (`formats.CAPTION_FORMATS`);
  406 when a format is unknown or cannot carry the language's script.
- Statuses: `In Progress` -> (`Transcribing`, real orders only) -> `Complete`; `Cancelled`.
- Notifications: POST to `notification.url`, form-urlencoded or JSON, fields `order_number`,
  `client_ref`?, `type`, `status`, `comment`?, `deliverable_type`?, `attachment_id`?; levels Detailed /
  FileComplete / FinalOnly; unsigned, not retried.
- Sandbox controls: `GET /rev/_sandbox/accounts`, `PATCH /rev/_sandbox/accounts/{user_key}` (the account
  flags behind 20050, 30010, 30011, 40011, 40012, 50002).

Inferred (each one constant in `wire.py` unless noted): HTTP_STATUS_AS_CODE; CANCEL_REFUSED_STATUS (400,
notes; Rev's page says 403); ORDER_NUMBER_PREFIX; AI_CAPTION_PRICE_PER_MINUTE_USD; ORDER_PRIORITY;
RESULTS_PER_PAGE; YOUTUBE_VIDEO_LENGTH_SECONDS; SUPPORTED_INPUT_MEDIA_TYPES; FIRST_WORK_STAGE (the stage
plan); NOTIFICATION_TYPE_STATUS / _FILE / _COMMENT; COMMENT_AUTHOR; XML_SINGULAR and the XML_ROOT_*
names; `default_accounts()` (balance limit, workspace ids, PO order types); in `formats.py` the media
types/extensions of AvidDvd, FacebookSubRip, EbuStl and the AvidDs extension (`CaptionFormat.inferred`)
and DEFAULT_FORMAT; in `samples.py` SAMPLE_VIDEO_NAME (the stand-in video of external links).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from video_localization_dev.sandbox.rev.api import build_routers
from video_localization_dev.sandbox.rev.bodies import RevError, error_response
from video_localization_dev.sandbox.rev.notifier import Notifier
from video_localization_dev.sandbox.rev.store import RevStore
from video_localization_dev.sandbox.rev.wire import PRODUCTION_USER_KEY, SANDBOX_CLIENT_KEY, SANDBOX_USER_KEY
from video_localization_dev.sandbox.state import Sandbox

__all__ = ["PRODUCTION_USER_KEY", "SANDBOX_CLIENT_KEY", "SANDBOX_USER_KEY", "register"]


async def _rev_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RevError)
    return error_response(exc)


def register(app: FastAPI, sandbox: Sandbox) -> None:
    """Mount the Rev emulator; its store is cleared, and its accounts restored, on sandbox reset."""
    store = RevStore(sandbox)
    sandbox.reset_hooks.append(store.clear)
    notifier = Notifier(store)
    router, controls = build_routers(sandbox, store, notifier)
    app.state.rev_store = store
    app.add_exception_handler(RevError, _rev_error_handler)
    app.include_router(controls)
    app.include_router(router)
