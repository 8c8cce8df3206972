"""Saving a library file (a dubbed output) into output storage before its signed link expires.

`:download` answers a fresh signed link each time; it is asked for right before streaming, never
stored, and asked for once more if storage says the link has expired meanwhile. The copy is verified:
its length against `Content-Length`, its MD5 against the storage ETag (S3's ETag of a single-part object
is its MD5), and an MP4's first box.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import PurePosixPath

from airflow.sdk import ObjectStoragePath

from video_localization.blendvision.hook import BlendVisionHook
from video_localization.blendvision.models import DownloadLink
from video_localization.core.errors import VendorError
from video_localization.core.storage import StoredFile, require_mp4, stream_to_storage

log = logging.getLogger(__name__)

#: Suffixes whose first bytes must be an ISO base media box (checked while streaming).
MP4_SUFFIXES = (".mp4", ".m4v", ".m4a", ".mov")


def _fresh_link(hook: BlendVisionHook, file_id: str) -> DownloadLink:
    link = hook.get_download_link(file_id)
    if link.expiration_time is not None and link.expiration_time <= datetime.now(UTC):
        log.warning("Download link of %s answered already expired; asking again", file_id)
        link = hook.get_download_link(file_id)
    return link


def suffix_of(link: DownloadLink) -> str:
    name = link.download_filename or PurePosixPath(link.download_uri.split("?", 1)[0]).name
    return PurePosixPath(name).suffix.lower() or ".mp4"


def download_library_file(
    hook: BlendVisionHook, file_id: str, folder: ObjectStoragePath, stem: str = "video"
) -> tuple[StoredFile, DownloadLink]:
    """Stream library file `file_id` to `folder/<stem><suffix>`, verified; answers it and the link used."""
    link = _fresh_link(hook, file_id)
    for attempt in (1, 2):
        suffix = suffix_of(link)
        try:
            stored = stream_to_storage(
                hook.storage_api,
                link.download_uri,
                folder / f"{stem}{suffix}",
                check_head=require_mp4 if suffix in MP4_SUFFIXES else None,
                etag_is_md5=True,
            )
        except VendorError as error:
            if attempt == 1 and error.status_code == 403:
                log.warning(
                    "Storage refused the download link of %s (%s); asking for a new one", file_id, error
                )
                link = hook.get_download_link(file_id)
                continue
            raise
        return stored, link
    raise AssertionError("unreachable")
