"""PanjayaHook: the only place that knows Panjaya's wire format (paths, auth, error shape).

Connection (`panjaya_default`): password = the API key (without the `panjaya-` prefix); host = base URL
(default `https://api.panjaya.ai`); extras: `callback_public_key` (PEM, defaults to the key published in
Panjaya's document) and `callback_url` (where Panjaya should post status updates).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import httpx

from video_localization.core.errors import VendorError
from video_localization.core.hooks import VendorHook
from video_localization.core.http import ErrorParser
from video_localization.panjaya.models import (
    VENDOR,
    AddLanguagesRequest,
    Asset,
    AssetOptions,
    AssetPage,
    AssetSummary,
    CreateAssetRequest,
    ReviseRequest,
    SrtLocality,
    StudioUrl,
    StudioUrlRequest,
    TargetLanguage,
    Version,
    parse,
)

DEFAULT_BASE_URL = "https://api.panjaya.ai"
#: Pagination parameter names of `GET /v1/assets/` (inferred; the document does not print them).
PAGE_PARAM, PAGE_SIZE_PARAM = "page", "page_size"
MAX_PAGE_SIZE = 100


def panjaya_error(response: httpx.Response) -> VendorError:
    """`{"detail": "..."}` -> VendorError; any other body is kept raw in the message."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "detail" in body:
        detail = body["detail"]
        message = detail if isinstance(detail, str) else repr(detail)
    else:
        message = f"unexpected error body: {response.text[:2000]!r}"
    return VendorError(VENDOR, message, status_code=response.status_code, details=body)


class PanjayaHook(VendorHook):
    """One method per Panjaya endpoint; async twins for what triggers poll.

    :param panjaya_conn_id: the Airflow connection (type `panjaya`); `conn_id` is accepted too. Default
        `panjaya_default`.
    :param timeout: seconds per HTTP request.
    :param retry: the backoff policy for retryable answers (429, 5xx, timeouts); default `RetryPolicy()`.
    """

    vendor = VENDOR
    default_base_url = DEFAULT_BASE_URL
    conn_name_attr = "panjaya_conn_id"
    default_conn_name = "panjaya_default"
    conn_type = "panjaya"
    hook_name = "Panjaya Dubbing Studio"

    def auth_headers(self) -> dict[str, str]:
        key = self.connection.password
        if not key:
            raise VendorError(VENDOR, f"connection {self.conn_id!r} has no API key in its password field")
        if key.startswith("panjaya-"):
            key = key[len("panjaya-") :]
        return {"Authorization": f"Bearer panjaya-{key}"}

    def error_parser(self) -> ErrorParser:
        return panjaya_error

    # -- assets -----------------------------------------------------------------------------------
    def list_assets(self, page: int = 1, page_size: int = 20) -> AssetPage:
        response = self.api.request(
            "GET", "/v1/assets/", params={PAGE_PARAM: page, PAGE_SIZE_PARAM: page_size}
        )
        return parse(AssetPage, response.json(), "asset list")

    def iter_assets(self, page_size: int = MAX_PAGE_SIZE) -> Iterator[AssetSummary]:
        page = 1
        while True:
            listing = self.list_assets(page=page, page_size=page_size)
            yield from listing.items
            if not listing.items or page * listing.page_size >= listing.total:
                return
            page += 1

    def find_assets_named(self, name: str) -> list[AssetSummary]:
        """Assets whose name is `name`, newest first (how a retried create finds its asset)."""
        return [asset for asset in self.iter_assets() if asset.name == name]

    def create_asset(self, request: CreateAssetRequest) -> Asset:
        response = self.api.request(
            "POST", "/v1/assets/", json=request.wire(), expected=(200, 201), creates=True
        )
        return parse(Asset, response.json(), "created asset", response.status_code)

    def upload_asset(
        self,
        options: AssetOptions,
        video: IO[bytes],
        video_filename: str,
        background: IO[bytes] | None = None,
        background_filename: str | None = None,
    ) -> Asset:
        """Multipart upload: `request` (JSON of the asset options), `video`, optional `background`.

        The files are read in chunks by httpx as the body is sent, so memory stays bounded.
        """
        files: dict[str, Any] = {"video": (video_filename, video, "video/mp4")}
        if background is not None:
            files["background"] = (
                background_filename or "background",
                background,
                "application/octet-stream",
            )
        response = self.api.request(
            "POST",
            "/v1/assets/upload",
            data={"request": options.model_dump_json(exclude_none=True)},
            files=files,
            expected=(200, 201),
            creates=True,
        )
        return parse(Asset, response.json(), "uploaded asset", response.status_code)

    def get_asset(self, asset_id: str) -> Asset:
        response = self.api.request("GET", f"/v1/assets/{asset_id}")
        return parse(Asset, response.json(), "asset")

    async def aget_asset(self, asset_id: str) -> Asset:
        api = await self.aapi()
        response = await api.arequest("GET", f"/v1/assets/{asset_id}")
        return parse(Asset, response.json(), "asset")

    def add_languages(self, asset_id: str, languages: list[TargetLanguage]) -> Asset:
        body = AddLanguagesRequest(target_languages=languages).model_dump(mode="json", exclude_none=True)
        response = self.api.request(
            "POST", f"/v1/assets/{asset_id}/languages", json=body, expected=(200, 201), creates=True
        )
        return parse(Asset, response.json(), "asset after adding languages", response.status_code)

    # -- versions ---------------------------------------------------------------------------------
    def get_version(self, version_id: str) -> Version:
        response = self.api.request("GET", f"/v1/versions/{version_id}")
        return parse(Version, response.json(), "version")

    def version_url(self, version_id: str) -> str:
        """The version's own URL (`GET /v1/versions/{id}`): the job a delivery's lineage names."""
        return self.api.url(f"/v1/versions/{version_id}")

    async def aget_version(self, version_id: str) -> Version:
        api = await self.aapi()
        response = await api.arequest("GET", f"/v1/versions/{version_id}")
        return parse(Version, response.json(), "version")

    def generate_version(self, version_id: str) -> Version:
        response = self.api.request("POST", f"/v1/versions/{version_id}/generate", creates=True)
        return parse(Version, response.json(), "generating version")

    def revise_version(self, version_id: str, studio_url_expiration_minutes: int | None = None) -> StudioUrl:
        """Back to ReadyToEdit (deletes the generated video); a signed studio link when minutes are given."""
        request = ReviseRequest(
            studio_url_request=StudioUrlRequest(expiration_minutes=studio_url_expiration_minutes)
            if studio_url_expiration_minutes is not None
            else None
        )
        response = self.api.request(
            "PATCH",
            f"/v1/versions/{version_id}/revise",
            json=request.model_dump(mode="json", exclude_none=True),
        )
        return parse(StudioUrl, response.json(), "revise answer")

    def create_studio_url(self, version_id: str, expiration_minutes: int | None = None) -> str:
        body = StudioUrlRequest(expiration_minutes=expiration_minutes).model_dump(exclude_none=True)
        response = self.api.request("POST", f"/v1/versions/{version_id}/studio_url", json=body)
        answer = parse(StudioUrl, response.json(), "studio url")
        if not answer.studio_url:
            raise VendorError(VENDOR, f"studio_url answer without a link: {response.text[:500]!r}")
        return answer.studio_url

    def get_srt(self, version_id: str, locality: SrtLocality | str = SrtLocality.TARGET) -> str:
        locality = SrtLocality(locality)
        response = self.api.request(
            "GET", f"/v1/versions/{version_id}/srt", params={"locality": locality.value}
        )
        return response.text

    # -- UI ---------------------------------------------------------------------------------------
    def test_connection(self) -> tuple[bool, str]:
        try:
            listing = self.list_assets(page=1, page_size=1)
        except VendorError as error:
            return False, str(error)
        return True, f"Connected to Panjaya: {listing.total} assets"
