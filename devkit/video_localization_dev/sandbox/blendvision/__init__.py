"""Offline emulator of BlendVision One's dubbing jobs and library API, under `/blendvision`.

`/blendvision` stands for `https://api.one.blendvision.com`. Every `/bv/cms/v1/...` call needs
`Authorization: Bearer <api_token>` and `x-bv-org-id` (constants.SANDBOX_API_TOKEN / SANDBOX_ORG_ID);
errors are google.rpc.Status bodies `{"code", "message", "details"}` (see rpc_errors).

    POST /bv/cms/v1/library/files:upload                 {"file": {type, source, name, size}}
    PUT  <presigned_url>                                 raw part bytes -> ETag header
    POST /bv/cms/v1/library/files/{id}:complete-upload   {"complete_data": {id, parts, checksum_sha1?}}
    POST /bv/cms/v1/library/files/{id}:download          {} -> {id, download_uri, download_filename,
                                                            expiration_time}
    POST /bv/cms/v1/dubbing-jobs                         {"dubbing_job": {...}} -> {"dubbing_job": {...}}
    GET  /bv/cms/v1/dubbing-jobs/{id}                    -> {"dubbing_job": {...}}
    GET  /bv/cms/v1/dubbing-jobs?current_page&items_per_page&filter.status&filter.source_id
                                                         -> {"dubbing_jobs": [...], "page": {...}}

Sandbox controls (not counted, no auth): `GET|POST /blendvision/_sandbox/upload-settings`
`{part_size_bytes, multipart_threshold_bytes}` so small samples travel in several parts.

No webhooks: the vendor documents none, so completion is known by polling.

Inferred: every guess is one constant in `constants.py`, listed in that module's docstring
(credentials, 403 for a missing org id, error domain and reasons, honoured client `id` with 409
ALREADY_EXISTS on reuse, unknown fields refused, millisecond decimal scale, both interval ends
required, language-code casing, file enums, 1-based part numbers and part size, the smallest part
(an even split of the file over its URLs), idempotent complete-upload, job stage lengths, list
paging limits and filters, output file names).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request

from video_localization_dev.sandbox.blendvision.auth import require_api_token
from video_localization_dev.sandbox.blendvision.constants import (
    API_BASE,
    REASON_NOT_FOUND,
    ROUTE_PREFIX,
    STORAGE_BASE,
    VENDOR,
)
from video_localization_dev.sandbox.blendvision.dubbing import DubbingJobs
from video_localization_dev.sandbox.blendvision.library import Library
from video_localization_dev.sandbox.blendvision.rpc_errors import (
    GrpcCode,
    RpcError,
    StorageError,
    fault_body,
    rpc_error_handler,
    storage_error_handler,
)
from video_localization_dev.sandbox.blendvision.store import BlendVisionStore
from video_localization_dev.sandbox.state import Sandbox

__all__ = ["register"]


async def _not_found(request: Request) -> None:
    """Any other path under the API answers like grpc-gateway: NOT_FOUND in the Status shape."""
    raise RpcError(GrpcCode.NOT_FOUND, "Not Found", REASON_NOT_FOUND, metadata={"path": request.url.path})


def register(app: FastAPI, sandbox: Sandbox) -> None:
    """Mount the BlendVision emulator on the sandbox app."""
    store = BlendVisionStore(sandbox)
    sandbox.reset_hooks.append(store.reset)
    counted = Depends(sandbox.vendor_dependency(VENDOR, fault_body))

    api = APIRouter(prefix=ROUTE_PREFIX + API_BASE, dependencies=[counted, Depends(require_api_token)])
    storage = APIRouter(prefix=ROUTE_PREFIX + STORAGE_BASE, dependencies=[counted])
    controls = APIRouter(prefix=ROUTE_PREFIX + "/_sandbox", tags=["blendvision sandbox controls"])

    Library(store).add_routes(api, storage, controls)
    DubbingJobs(store).add_routes(api)
    api.add_api_route(
        "/{rest:path}", _not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
    )

    app.add_exception_handler(RpcError, rpc_error_handler)
    app.add_exception_handler(StorageError, storage_error_handler)
    app.include_router(api)
    app.include_router(storage)
    app.include_router(controls)
