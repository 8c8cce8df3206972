"""The library: multipart upload (`files:upload`, part PUTs, `:complete-upload`) and `:download` links.

A file is announced with its name and size and gets presigned part URLs (one part up to 100 MB, else
parts of `part_size_bytes`); each PUT answers an `ETag`; `:complete-upload` checks every part's etag,
that no part but the last is smaller than an even split (the answer gives URLs, not sizes, so a client
can split `size` evenly over the URLs or use larger parts), the total size and the optional SHA-1
before the file exists. `:download` answers an expiring signed link to the bytes. The storage links
answer like S3 (XML errors, quoted ETags).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from video_localization_dev.sandbox.blendvision.body import Violations, read_json_object
from video_localization_dev.sandbox.blendvision.constants import (
    ACCEPTED_FILE_SOURCES,
    ACCEPTED_FILE_TYPES,
    FIRST_PART_NUMBER,
    MAX_PARTS,
    MIN_PART_IS_EVEN_SPLIT,
    REASON_FIELD_VIOLATION,
    REASON_FILE_ALREADY_COMPLETED,
    REASON_FILE_NOT_UPLOADED,
    REASON_FILE_TOO_LARGE,
    REASON_NOT_FOUND,
    REASON_UPLOAD_CHECKSUM_MISMATCH,
    REASON_UPLOAD_ETAG_MISMATCH,
    REASON_UPLOAD_ID_MISMATCH,
    REASON_UPLOAD_PART_MISSING,
    REASON_UPLOAD_SIZE_MISMATCH,
    ROUTE_PREFIX,
    STORAGE_BASE,
    UPLOAD_COMPLETE_IS_IDEMPOTENT,
    VENDOR,
)
from video_localization_dev.sandbox.blendvision.rpc_errors import (
    FieldViolation,
    GrpcCode,
    RpcError,
    StorageError,
)
from video_localization_dev.sandbox.blendvision.store import (
    BlendVisionStore,
    LibraryFile,
    UploadPart,
    rfc3339,
)

_FILE_FIELDS = ("id", "type", "source", "name", "size")
_VERBS = ("complete-upload", "download")


def min_part_bytes(size: int, count: int) -> int:
    """The fewest bytes a part other than the last may hold (see constants.MIN_PART_IS_EVEN_SPLIT)."""
    return math.ceil(size / count) if MIN_PART_IS_EVEN_SPLIT else 1


def part_path(upload_id: str, part_number: int) -> str:
    return f"{ROUTE_PREFIX}{STORAGE_BASE}/uploads/{quote(upload_id, safe='')}/parts/{part_number}"


def object_path(file_id: str) -> str:
    return f"{ROUTE_PREFIX}{STORAGE_BASE}/files/{quote(file_id, safe='')}"


def file_not_found(file_id: str) -> RpcError:
    return RpcError(
        GrpcCode.NOT_FOUND,
        f"file {file_id!r} not found",
        REASON_NOT_FOUND,
        metadata={"resource": "file", "id": file_id},
    )


def file_not_uploaded(file: LibraryFile) -> RpcError:
    return RpcError(
        GrpcCode.FAILED_PRECONDITION,
        f"file {file.id!r} has not completed its upload (call :complete-upload first)",
        REASON_FILE_NOT_UPLOADED,
        metadata={"fileId": file.id},
    )


def _plain_etag(etag: str) -> str:
    """S3 quotes ETags; accept them quoted or not, weak or strong, any hex case."""
    etag = etag.strip()
    if etag.startswith("W/"):
        etag = etag[2:]
    return etag.strip('"').lower()


class Library:
    """Routes of the library API and of the storage behind its presigned links."""

    def __init__(self, store: BlendVisionStore) -> None:
        self.store = store
        self.sandbox = store.sandbox

    def add_routes(self, api: APIRouter, storage: APIRouter, controls: APIRouter) -> None:
        api.add_api_route("/library/files:upload", self.upload, methods=["POST"])
        api.add_api_route("/library/files/{file_ref}", self.file_verb, methods=["POST"])
        storage.add_api_route("/uploads/{upload_id}/parts/{part_number}", self.put_part, methods=["PUT"])
        storage.add_api_route("/files/{file_id}", self.get_object, methods=["GET"])
        controls.add_api_route("/upload-settings", self.get_settings, methods=["GET"])
        controls.add_api_route("/upload-settings", self.set_settings, methods=["POST"])

    # -- POST /bv/cms/v1/library/files:upload -----------------------------------------------------------
    async def upload(self, request: Request) -> JSONResponse:
        body = await read_json_object(request)
        v = Violations()
        v.unknown_fields(body, ("file",), "")
        spec = v.message(body, "file", "file", required=True)
        name = size = file_type = source = None
        if spec is not None:
            v.unknown_fields(spec, _FILE_FIELDS, "file.")
            file_type = v.enum(spec, "type", "file.type", ACCEPTED_FILE_TYPES)
            source = v.enum(spec, "source", "file.source", ACCEPTED_FILE_SOURCES)
            name = v.string(spec, "name", "file.name", required=True)
            size = v.integer(spec, "size", "file.size", required=True)
            if size is not None and size <= 0:
                v.add("file.size", "must be a positive number of bytes")
        v.raise_if_any("file")
        assert name is not None and size is not None and file_type is not None and source is not None
        limit = self.sandbox.settings.max_upload_bytes
        if size > limit:
            raise RpcError(
                GrpcCode.INVALID_ARGUMENT,
                f"file.size {size} exceeds the maximum upload size of {limit} bytes",
                REASON_FILE_TOO_LARGE,
                metadata={"maxSizeBytes": str(limit)},
                violations=[FieldViolation("file.size", f"must be at most {limit} bytes")],
            )

        with self.sandbox.lock:
            part_size, threshold = self.store.part_size_bytes, self.store.multipart_threshold_bytes
        count = 1 if size <= threshold else math.ceil(size / part_size)
        if count > MAX_PARTS:
            part_size = math.ceil(size / MAX_PARTS)
            count = math.ceil(size / part_size)
        parts = {}
        for index in range(count):
            number = FIRST_PART_NUMBER + index
            length = size - index * part_size if index == count - 1 else part_size
            parts[number] = UploadPart(number=number, length=length)
        file = LibraryFile(
            id=str(uuid.uuid4()),
            name=name,
            type=file_type,
            source=source,
            size=size,
            created_at=datetime.now(UTC),
            upload_id=str(uuid.uuid4()),
            parts=parts,
        )
        self.store.add_file(file)
        self.sandbox.record_created(VENDOR, "file")
        assert file.upload_id is not None
        upload_data = {
            "id": file.upload_id,
            "parts": [
                {"part_number": n, "presigned_url": self.sandbox.sign_path(part_path(file.upload_id, n))}
                for n in parts
            ],
        }
        return JSONResponse({"file": {**file.wire(), "upload_data": upload_data}})

    # -- POST /bv/cms/v1/library/files/{id}:complete-upload | :download --------------------------------
    async def file_verb(self, file_ref: str, request: Request) -> JSONResponse:
        file_id, colon, verb = file_ref.partition(":")
        if not colon or verb not in _VERBS:
            raise RpcError(GrpcCode.NOT_FOUND, "Not Found", REASON_NOT_FOUND, metadata={"path": file_ref})
        with self.sandbox.lock:
            file = self.store.files.get(file_id)
        if file is None:
            raise file_not_found(file_id)
        if verb == "download":
            return await self.download(file, request)
        return await self.complete(file, request)

    async def complete(self, file: LibraryFile, request: Request) -> JSONResponse:
        body = await read_json_object(request)
        v = Violations()
        v.unknown_fields(body, ("complete_data",), "")
        data = v.message(body, "complete_data", "complete_data", required=True)
        upload_id = checksum = None
        listed: dict[int, str] = {}
        if data is not None:
            v.unknown_fields(data, ("id", "parts", "checksum_sha1"), "complete_data.")
            upload_id = v.string(data, "id", "complete_data.id", required=True)
            checksum = v.string(data, "checksum_sha1", "complete_data.checksum_sha1", required=False)
            listed = self._listed_parts(data.get("parts"), file, v)
        v.raise_if_any("complete_data")
        if upload_id != file.upload_id:
            raise RpcError(
                GrpcCode.INVALID_ARGUMENT,
                f"complete_data.id {upload_id!r} is not the upload id of file {file.id!r}",
                REASON_UPLOAD_ID_MISMATCH,
                metadata={"fileId": file.id},
                violations=[FieldViolation("complete_data.id", "must be the upload_data.id of this file")],
            )

        with self.sandbox.lock:
            if file.completed:
                same = all(_plain_etag(listed.get(n, "")) == p.etag for n, p in file.parts.items())
                if UPLOAD_COMPLETE_IS_IDEMPOTENT and same and len(listed) == len(file.parts):
                    return JSONResponse({"file": file.wire()})
                raise RpcError(
                    GrpcCode.FAILED_PRECONDITION,
                    f"the upload of file {file.id!r} is already completed",
                    REASON_FILE_ALREADY_COMPLETED,
                    metadata={"fileId": file.id},
                )
            self._check_parts(file, listed)
            joined = b"".join(p.data or b"" for _, p in sorted(file.parts.items()))
            if len(joined) != file.size:
                raise RpcError(
                    GrpcCode.INVALID_ARGUMENT,
                    f"the uploaded parts hold {len(joined)} bytes but file.size is {file.size}",
                    REASON_UPLOAD_SIZE_MISMATCH,
                    metadata={"uploadedBytes": str(len(joined)), "expectedBytes": str(file.size)},
                )
            if checksum is not None:
                self._check_checksum(checksum, joined)
            file.data = joined
            return JSONResponse({"file": file.wire()})

    @staticmethod
    def _listed_parts(parts: Any, file: LibraryFile, v: Violations) -> dict[int, str]:
        """`complete_data.parts` as {part_number: etag}, with every shape problem noted."""
        if parts is None:
            v.add("complete_data.parts", "is required")
            return {}
        if not isinstance(parts, list) or not parts:
            v.add("complete_data.parts", "must be a non-empty list of {part_number, etag}")
            return {}
        listed: dict[int, str] = {}
        for index, item in enumerate(parts):
            path = f"complete_data.parts[{index}]"
            if not isinstance(item, dict):
                v.add(path, "must be an object")
                continue
            v.unknown_fields(item, ("part_number", "etag"), f"{path}.")
            number = v.integer(item, "part_number", f"{path}.part_number", required=True)
            etag = v.string(item, "etag", f"{path}.etag", required=True)
            if number is None or etag is None:
                continue
            if number not in file.parts:
                v.add(f"{path}.part_number", f"file {file.id!r} has no part {number}")
            elif number in listed:
                v.add(f"{path}.part_number", f"part {number} is listed twice")
            else:
                listed[number] = etag
        return listed

    @staticmethod
    def _check_parts(file: LibraryFile, listed: dict[int, str]) -> None:
        minimum = min_part_bytes(file.size, len(file.parts))
        last = max(file.parts)
        for number, part in sorted(file.parts.items()):
            meta = {"partNumber": str(number)}
            if number not in listed:
                raise RpcError(
                    GrpcCode.INVALID_ARGUMENT,
                    f"complete_data.parts has no entry for part {number}",
                    REASON_UPLOAD_PART_MISSING,
                    metadata=meta,
                )
            if part.data is None or part.etag is None:
                raise RpcError(
                    GrpcCode.INVALID_ARGUMENT,
                    f"part {number} was never uploaded to its presigned_url",
                    REASON_UPLOAD_PART_MISSING,
                    metadata=meta,
                )
            if _plain_etag(listed[number]) != part.etag:
                raise RpcError(
                    GrpcCode.INVALID_ARGUMENT,
                    f"the etag given for part {number} does not match the uploaded part",
                    REASON_UPLOAD_ETAG_MISMATCH,
                    metadata=meta,
                )
            if number != last and len(part.data) < minimum:
                raise RpcError(
                    GrpcCode.INVALID_ARGUMENT,
                    f"part {number} holds {len(part.data)} bytes; every part but the last must hold "
                    f"at least {minimum}",
                    REASON_UPLOAD_SIZE_MISMATCH,
                    metadata={
                        **meta,
                        "uploadedBytes": str(len(part.data)),
                        "minimumBytes": str(minimum),
                    },
                )

    @staticmethod
    def _check_checksum(checksum: str, data: bytes) -> None:
        actual = base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode()
        try:
            given = base64.b64encode(base64.b64decode(checksum, validate=True)).decode()
        except (binascii.Error, ValueError):
            raise RpcError(
                GrpcCode.INVALID_ARGUMENT,
                "complete_data.checksum_sha1 must be the base64 SHA-1 of the whole file",
                REASON_FIELD_VIOLATION,
                violations=[FieldViolation("complete_data.checksum_sha1", "is not valid base64")],
            ) from None
        if given != actual:
            raise RpcError(
                GrpcCode.INVALID_ARGUMENT,
                "complete_data.checksum_sha1 does not match the uploaded bytes",
                REASON_UPLOAD_CHECKSUM_MISMATCH,
                metadata={"expectedChecksumSha1": actual},
            )

    async def download(self, file: LibraryFile, request: Request) -> JSONResponse:
        body = await read_json_object(request, allow_empty=True)
        v = Violations()
        v.unknown_fields(body, ("id",), "")
        given = v.string(body, "id", "id", required=False)
        if given is not None and given != file.id:
            v.add("id", "must match the file id in the path")
        v.raise_if_any("request")
        if not file.completed:
            raise file_not_uploaded(file)
        uri = self.sandbox.sign_path(object_path(file.id))
        expires = int(parse_qs(urlsplit(uri).query)["expires"][0])
        return JSONResponse(
            {
                "id": file.id,
                "download_uri": uri,
                "download_filename": file.name,
                "expiration_time": rfc3339(datetime.fromtimestamp(expires, UTC)),
            }
        )

    # -- the storage behind the presigned links --------------------------------------------------------
    def _verify_link(self, path: str, request: Request) -> None:
        expires, signature = request.query_params.get("expires"), request.query_params.get("signature")
        if not expires or not signature or not expires.isdigit():
            raise StorageError(403, "AccessDenied", "Query-string authentication requires a signature")
        if not self.sandbox.link_is_valid(path, int(expires), signature):
            if int(expires) <= time.time():
                raise StorageError(403, "AccessDenied", "Request has expired")
            raise StorageError(
                403, "SignatureDoesNotMatch", "The request signature we calculated does not match"
            )

    async def put_part(self, upload_id: str, part_number: str, request: Request) -> Response:
        number = int(part_number) if part_number.isdigit() else -1
        self._verify_link(part_path(upload_id, number), request)
        data = await request.body()
        with self.sandbox.lock:
            file = self.store.files.get(self.store.uploads.get(upload_id, ""))
            if file is None or file.completed:
                raise StorageError(404, "NoSuchUpload", "The specified upload does not exist")
            part = file.parts.get(number)
            if part is None:
                raise StorageError(400, "InvalidArgument", "Part number is not part of this upload")
            part.data = data
            part.etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
            etag = part.etag
        return Response(status_code=200, headers={"ETag": f'"{etag}"'})

    async def get_object(self, file_id: str, request: Request) -> Response:
        self._verify_link(object_path(file_id), request)
        with self.sandbox.lock:
            file = self.store.files.get(file_id)
        if file is None or file.data is None:
            raise StorageError(404, "NoSuchKey", "The specified key does not exist")
        etag = hashlib.md5(file.data, usedforsecurity=False).hexdigest()
        media_type = (
            "video/mp4" if file.name.lower().endswith((".mp4", ".m4v")) else "application/octet-stream"
        )
        return Response(
            content=file.data,
            media_type=media_type,
            headers={
                "ETag": f'"{etag}"',
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(file.name, safe='')}",
            },
        )

    # -- sandbox controls -------------------------------------------------------------------------------
    def _settings(self) -> dict[str, int]:
        return {
            "part_size_bytes": self.store.part_size_bytes,
            "multipart_threshold_bytes": self.store.multipart_threshold_bytes,
        }

    async def get_settings(self) -> dict[str, int]:
        return self._settings()

    async def set_settings(self, request: Request) -> dict[str, int]:
        """Shrink the part size and multipart threshold so small samples travel in several parts."""
        body = await read_json_object(request)
        v = Violations()
        v.unknown_fields(body, ("part_size_bytes", "multipart_threshold_bytes"), "")
        part_size = v.integer(body, "part_size_bytes", "part_size_bytes", required=False)
        threshold = v.integer(body, "multipart_threshold_bytes", "multipart_threshold_bytes", required=False)
        if part_size is not None and part_size < 1:
            v.add("part_size_bytes", "must be at least 1")
        if threshold is not None and threshold < 0:
            v.add("multipart_threshold_bytes", "must not be negative")
        v.raise_if_any("upload settings")
        with self.sandbox.lock:
            if part_size is not None:
                self.store.part_size_bytes = part_size
            if threshold is not None:
                self.store.multipart_threshold_bytes = threshold
            return self._settings()
