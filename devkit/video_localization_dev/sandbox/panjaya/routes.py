"""The HTTP surface of the Panjaya emulator under `/panjaya`: the documented API plus sandbox pages.

Every error under the prefix answers `{"detail": "<message>"}`; body and query validation is turned into
400 (Panjaya's "invalid input") by `PanjayaRoute`, so FastAPI's 422 never leaks into this vendor's API.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Coroutine
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from video_localization_dev.sandbox.panjaya import signing, views
from video_localization_dev.sandbox.panjaya import wire as w
from video_localization_dev.sandbox.panjaya.models import (
    AddLanguages,
    AssetParameters,
    BadRequest,
    CreateAsset,
    ReviseRequest,
    StudioUrlRequest,
    parse_json,
)
from video_localization_dev.sandbox.panjaya.store import Asset, PanjayaStore, Version
from video_localization_dev.sandbox.state import FaultInjected, Sandbox

log = logging.getLogger(__name__)


class PanjayaError(Exception):
    """An error answered as `{"detail": message}` with `status`."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers


def error_response(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Panjaya's error shape (also used for the sandbox's injected faults)."""
    return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        loc = error.get("loc", ())
        location = ".".join(str(part) for part in loc if part not in ("query", "path", "body"))
        parts.append(f"{location}: {error.get('msg')}" if location else str(error.get("msg")))
    return "Invalid request: " + "; ".join(parts)


class PanjayaRoute(APIRoute):
    """Answers every failure of a Panjaya route in Panjaya's shape, never FastAPI's 422."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except FaultInjected:
                raise
            except PanjayaError as exc:
                return error_response(exc.status, exc.detail, exc.headers)
            except BadRequest as exc:
                return error_response(400, str(exc))
            except RequestValidationError as exc:
                return error_response(400, _describe_validation(exc))
            except StarletteHTTPException as exc:
                return error_response(exc.status_code, str(exc.detail), exc.headers)
            except Exception:
                log.exception("panjaya sandbox failed on %s %s", request.method, request.url.path)
                return error_response(500, "An internal server error occurred")

        return guarded


def _default_name(source: str | None) -> str:
    """Inferred: an unnamed asset is named after its file."""
    if not source:
        return "Untitled"
    return PurePosixPath(urlparse(source).path).name or "Untitled"


def build_router(sandbox: Sandbox, store: PanjayaStore) -> APIRouter:
    """All `/panjaya` routes, counted and fault-injected by the shared sandbox dependency."""

    async def start_ticker() -> None:
        store.ensure_ticker()

    router = APIRouter(
        prefix="/panjaya",
        route_class=PanjayaRoute,
        dependencies=[
            Depends(sandbox.vendor_dependency(w.VENDOR, error_response)),
            Depends(start_ticker),
        ],
        tags=["panjaya"],
    )

    def authenticate(request: Request) -> str:
        """`Authorization: Bearer panjaya-<key>`; answers the account (the key) or 401."""
        challenge = {"WWW-Authenticate": "Bearer"}
        header = request.headers.get("authorization")
        if not header:
            raise PanjayaError(401, "Not authenticated: the Authorization header is missing", challenge)
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != w.AUTH_SCHEME.lower() or not token.startswith(w.KEY_PREFIX):
            raise PanjayaError(
                401, "Invalid Authorization header: expected 'Bearer panjaya-<API key>'", challenge
            )
        key = token.removeprefix(w.KEY_PREFIX)
        if key not in w.SANDBOX_API_KEYS:
            raise PanjayaError(401, "The API key could not be validated", challenge)
        return key

    def find_asset(account: str, asset_id: str) -> Asset:
        with sandbox.lock:
            store.advance_all()
            asset = store.asset(account, asset_id)
        if asset is None:
            raise PanjayaError(404, f"Asset {asset_id} not found")
        return asset

    def find_version(account: str, version_id: str) -> Version:
        with sandbox.lock:
            store.advance_all()
            version = store.version(account, version_id)
        if version is None:
            raise PanjayaError(404, f"Version {version_id} not found")
        return version

    def check_asset_quota(account: str) -> None:
        if len(store.account_assets(account)) >= w.MAX_ASSETS_PER_ACCOUNT:
            raise PanjayaError(
                403, f"Account limit reached: an account may hold at most {w.MAX_ASSETS_PER_ACCOUNT} assets"
            )

    # -- assets -----------------------------------------------------------------------------------
    @router.get("/v1/assets/")
    async def get_assets(
        account: str = Depends(authenticate),
        page: int = Query(1, ge=1),
        page_size: int = Query(w.DEFAULT_PAGE_SIZE, ge=1, le=w.MAX_PAGE_SIZE),
    ) -> JSONResponse:
        with sandbox.lock:
            store.advance_all()
            assets = store.account_assets(account)
            shown = assets[(page - 1) * page_size : page * page_size]
            items = [store.shown(views.asset_summary(asset)) for asset in shown]
        return JSONResponse({"items": items, "page": page, "page_size": page_size, "total": len(assets)})

    @router.post("/v1/assets/", status_code=201)
    async def create_asset(request: Request, account: str = Depends(authenticate)) -> JSONResponse:
        params = parse_json(await request.body(), CreateAsset)
        assert isinstance(params, CreateAsset)
        with sandbox.lock:
            check_asset_quota(account)
            asset = store.create_asset(
                account, params, params.name or _default_name(params.media_url), media_url=params.media_url
            )
            sandbox.record_created(w.VENDOR, "asset")
            body = store.shown(views.asset_detail(asset))
        return JSONResponse(body, status_code=201)

    @router.post("/v1/assets/upload", status_code=201)
    async def upload_asset(request: Request, account: str = Depends(authenticate)) -> JSONResponse:
        if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            raise BadRequest("Invalid request: the body must be multipart/form-data")
        limit = sandbox.settings.max_upload_bytes + 1
        try:
            form = await request.form()
        except Exception as exc:
            raise BadRequest(f"Invalid request: the multipart body could not be read ({exc})") from exc
        try:
            raw = form.get("request")
            if raw is None:
                raise BadRequest("Invalid request: the 'request' form field is required")
            if isinstance(raw, UploadFile):
                raw = (await raw.read()).decode("utf-8", "replace")
            params = parse_json(raw, AssetParameters)
            assert isinstance(params, AssetParameters)
            video = form.get("video")
            if not isinstance(video, UploadFile):
                raise BadRequest("Invalid request: the 'video' form field must be a file")
            video_bytes = await video.read(limit)
            background = form.get("background")
            background_bytes = None
            if background is not None:
                if not isinstance(background, UploadFile):
                    raise BadRequest("Invalid request: the 'background' form field must be a file")
                background_bytes = await background.read(limit)
            name = params.name or _default_name(video.filename)
        finally:
            await form.close()
        with sandbox.lock:
            check_asset_quota(account)
            asset = store.create_asset(account, params, name, video=video_bytes, background=background_bytes)
            sandbox.record_created(w.VENDOR, "asset")
            body = store.shown(views.asset_detail(asset))
        return JSONResponse(body, status_code=201)

    @router.get("/v1/assets/{asset_id}")
    async def get_asset(asset_id: str, account: str = Depends(authenticate)) -> JSONResponse:
        asset = find_asset(account, asset_id)
        with sandbox.lock:
            return JSONResponse(store.shown(views.asset_detail(asset)))

    @router.post("/v1/assets/{asset_id}/languages")
    async def add_languages(
        asset_id: str, request: Request, account: str = Depends(authenticate)
    ) -> JSONResponse:
        asset = find_asset(account, asset_id)
        body = parse_json(await request.body(), AddLanguages)
        assert isinstance(body, AddLanguages)
        with sandbox.lock:
            store.add_languages(asset, body.target_languages)
            return JSONResponse(store.shown(views.asset_detail(asset)))

    # -- versions ---------------------------------------------------------------------------------
    @router.get("/v1/versions/{version_id}")
    async def get_version(version_id: str, account: str = Depends(authenticate)) -> JSONResponse:
        version = find_version(account, version_id)
        with sandbox.lock:
            return JSONResponse(store.shown(views.version_detail(store, version)))

    @router.patch("/v1/versions/{version_id}/revise")
    async def revise_version(
        version_id: str, request: Request, account: str = Depends(authenticate)
    ) -> JSONResponse:
        version = find_version(account, version_id)
        body = parse_json(await request.body(), ReviseRequest, optional=True)
        assert isinstance(body, ReviseRequest)
        store.revise(version)
        studio_url = None
        if body.studio_url_request is not None:
            minutes = body.studio_url_request.expiration_minutes
            studio_url = sandbox.sign_path(views.studio_path(version.id), ttl_seconds=minutes * 60)
        return JSONResponse({"studio_url": studio_url})

    @router.post("/v1/versions/{version_id}/generate")
    async def generate_version(version_id: str, account: str = Depends(authenticate)) -> JSONResponse:
        version = find_version(account, version_id)
        store.generate(version)
        with sandbox.lock:
            return JSONResponse(store.shown(views.version_detail(store, version)))

    @router.post("/v1/versions/{version_id}/studio_url")
    async def create_studio_url(
        version_id: str, request: Request, account: str = Depends(authenticate)
    ) -> JSONResponse:
        version = find_version(account, version_id)
        body = parse_json(await request.body(), StudioUrlRequest, optional=True)
        assert isinstance(body, StudioUrlRequest)
        url = sandbox.sign_path(views.studio_path(version.id), ttl_seconds=body.expiration_minutes * 60)
        return JSONResponse({"studio_url": url})

    @router.get("/v1/versions/{version_id}/srt")
    async def get_version_srt(
        version_id: str, locality: str = w.DEFAULT_LOCALITY, account: str = Depends(authenticate)
    ) -> Response:
        if locality not in w.LOCALITIES:
            raise BadRequest(f"Invalid request: locality must be one of {', '.join(w.LOCALITIES)}")
        version = find_version(account, version_id)
        text = store.subtitles(version, locality)
        filename = f"{version.id}.{version.locale if locality == 'target' else 'source'}.srt"
        return Response(
            content=text.encode("utf-8"),
            media_type=w.SRT_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    # -- pages behind signed links (no API key: the signature is the credential) ------------------
    def check_signature(request: Request) -> None:
        expires = request.query_params.get("expires")
        signature = request.query_params.get("signature")
        if expires is None or signature is None:
            raise PanjayaError(403, "This link requires signing in: create a signed URL to share it")
        try:
            valid = sandbox.link_is_valid(request.url.path, int(expires), signature)
        except ValueError:
            valid = False
        if not valid:
            raise PanjayaError(403, "The signed link is invalid or has expired")

    @router.get("/studio/versions/{version_id}", response_class=HTMLResponse)
    async def studio_page(version_id: str, request: Request) -> HTMLResponse:
        check_signature(request)
        with sandbox.lock:
            store.advance_all()
            version = store.versions.get(version_id)
            if version is None:
                raise PanjayaError(404, f"Version {version_id} not found")
            status, locale = version.status, version.locale
        page = (
            "<!doctype html><html><head><meta charset='utf-8'><title>Panjaya Dubbing Studio (sandbox)"
            f"</title></head><body><h1>Panjaya Dubbing Studio</h1><p>Version {html.escape(version_id)}"
            f" ({html.escape(locale)}) is {html.escape(status)}.</p></body></html>"
        )
        return HTMLResponse(page)

    @router.get("/results/{version_id}/{generation_id}.mp4")
    async def result_video(version_id: str, generation_id: str, request: Request) -> Response:
        check_signature(request)
        with sandbox.lock:
            store.advance_all()
            version = store.versions.get(version_id)
            if version is None or version.generation_id != generation_id:
                raise PanjayaError(404, "The generated video does not exist (it may have been revised)")
            media = store.assets[version.asset_id].media or b""
        return Response(
            content=media,
            media_type="video/mp4",
            headers={"Content-Disposition": f'attachment; filename="{version_id}.{version.locale}.mp4"'},
        )

    # -- sandbox controls -------------------------------------------------------------------------
    @router.get("/_sandbox/public-key", response_class=PlainTextResponse)
    async def public_key() -> PlainTextResponse:
        """The PEM to verify this sandbox's callback signatures with (it replaces the document's key)."""
        return PlainTextResponse(signing.public_key_pem())

    @router.post("/_sandbox/omit-inferred-fields")
    async def omit_inferred_fields(request: Request) -> JSONResponse:
        """`{"omit": true}`: answers leave out the fields the project guesses (`INFERRED_ANSWER_FIELDS`)."""
        body = await request.json()
        omit = body.get("omit") if isinstance(body, dict) else None
        if not isinstance(omit, bool):
            raise BadRequest(f"Invalid request: 'omit' must be true or false, got {body!r}")
        return JSONResponse({"omit": store.omit_inferred(omit)})

    @router.post("/_sandbox/fail-next-generate")
    async def fail_next_generate() -> JSONResponse:
        """The next `generate` call's version ends Failed with `version_generate_failed` (cumulative)."""
        return JSONResponse({"failing_generations": store.fail_next_generate()})

    return router
