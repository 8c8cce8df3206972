"""Offline emulator of the Panjaya Dubbing Studio API, served under `/panjaya`.

Follows /work/shared/vendor-docs/panjaya-dubbing-studio.md; where it is silent, vendor-notes.md and the
project's decisions below. Wire format:

- Auth: `Authorization: Bearer panjaya-<key>`, keys in `SANDBOX_API_KEYS`; else 401.
- Errors: `{"detail": "<message>"}` with 400 (invalid input, body/query validation, forbidden state
  transitions), 401, 403 (account limits), 404 (unknown id), 429 and 500 (injected faults).
- `GET /v1/assets/?page&page_size`, `POST /v1/assets/`, `POST /v1/assets/upload` (multipart: `request`
  JSON, `video` file, optional `background` file), `GET /v1/assets/{id}`, `POST /v1/assets/{id}/languages`.
- `GET /v1/versions/{id}`, `PATCH .../revise`, `POST .../generate`, `POST .../studio_url`,
  `GET .../srt?locality=source|target`.
- Callbacks: POST `{"event", "asset_id", "version_id", "locale"}` to `callback_url`, signed ES256 in
  `X-Signature` (hex DER) with `sandbox_signing_key()`; the public key is at
  `GET /panjaya/_sandbox/public-key`.
- Sandbox controls: `POST /panjaya/_sandbox/fail-next-generate`;
  `POST /panjaya/_sandbox/omit-inferred-fields` `{"omit": true|false}` (answers without the guessed
  `locale` and `name`, `INFERRED_ANSWER_FIELDS`); signed pages
  `GET /panjaya/studio/versions/{id}` and `GET /panjaya/results/{version_id}/{generation_id}.mp4`.

Inferred (each one constant in `wire.py`): ASSET_PROCESSING / ASSET_READY / ASSET_FAILED status words;
VERSION_ERROR_INVALID_SRT and VERSION_ERROR_GENERATION_FAILED codes; SIGNATURE_ALGORITHM_HEADER;
MAX_STUDIO_EXPIRATION_MINUTES; DEFAULT_LOCALITY; DEFAULT_PAGE_SIZE / MAX_PAGE_SIZE; the stage counts
ASSET_PROCESSING_STAGES / VERSION_PREPARING_STAGES / VERSION_GENERATING_STAGES; MAX_ASSETS_PER_ACCOUNT (403);
SOURCE_TRANSCRIPT (the canned transcript; `speakers_count` above its utterance count is `invalid_input`);
MEDIA_FETCH_TIMEOUT_SECONDS; MACHINE_TRANSLATION_PREFIX; STUDIO_PATH / RESULT_PATH;
REVISE_FIRES_VERSION_READY. Ids are UUID4 strings and an unnamed asset is named after its file.
"""

from __future__ import annotations

from fastapi import FastAPI

from video_localization_dev.sandbox.panjaya.routes import build_router
from video_localization_dev.sandbox.panjaya.signing import public_key_pem, sandbox_signing_key
from video_localization_dev.sandbox.panjaya.store import PanjayaStore
from video_localization_dev.sandbox.panjaya.wire import SANDBOX_API_KEYS
from video_localization_dev.sandbox.state import Sandbox

__all__ = ["SANDBOX_API_KEYS", "public_key_pem", "register", "sandbox_signing_key"]


def register(app: FastAPI, sandbox: Sandbox) -> None:
    """Mount the Panjaya emulator on the sandbox app, with its own store cleared on sandbox reset."""
    store = PanjayaStore(sandbox)
    sandbox.reset_hooks.append(store.clear)
    app.state.panjaya_store = store
    app.include_router(build_router(sandbox, store))
