"""Download the `url` of a translation request and refuse it the way Akool does, for real causes."""

from __future__ import annotations

import ssl
from functools import cache

import httpx

from video_localization_dev.sandbox.akool.errors import AkoolError
from video_localization_dev.sandbox.akool.wire import (
    AKOOL_LIPSYNC_MAX_SECONDS,
    AKOOL_MAX_FPS,
    AKOOL_SUPPORTED_VIDEO_CODECS,
    DOWNLOAD_FAILED_CODE,
    DOWNLOAD_TIMEOUT_SECONDS,
    NO_AUDIO,
    NOT_A_VIDEO_CODE,
    TOO_LARGE,
    TOO_LONG_FOR_LIPSYNC,
    TOO_MANY_FPS,
    UNSUPPORTED_ENCODING,
)
from video_localization_dev.sandbox.media import MediaInfo


@cache
def _ssl_context() -> ssl.SSLContext:
    """Loading the CA bundle takes ~50 ms: do it once, not for every download."""
    return httpx.create_ssl_context()


async def fetch_video(url: str, max_bytes: int) -> bytes:
    """The bytes behind `url`, refusing (1207) as soon as the size is known to pass `max_bytes`."""
    client_options = {"timeout": DOWNLOAD_TIMEOUT_SECONDS, "follow_redirects": True, "verify": _ssl_context()}
    try:
        async with (
            httpx.AsyncClient(**client_options) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise AkoolError(DOWNLOAD_FAILED_CODE, f"url answered HTTP {response.status_code}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise AkoolError(TOO_LARGE, f"{declared} bytes > {max_bytes}")
            chunks: list[bytes] = []
            received = 0
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise AkoolError(TOO_LARGE, f"more than {max_bytes} bytes")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise AkoolError(DOWNLOAD_FAILED_CODE, f"url could not be downloaded: {type(exc).__name__}") from exc
    return b"".join(chunks)


def check_media(info: MediaInfo, lipsync: bool) -> None:
    """Refuse as Akool does: other encodings (1209), no audio (1203), >30 fps (1210), lipsync >60 s (1204)."""
    if not info.is_mp4 or not info.has_video:
        raise AkoolError(NOT_A_VIDEO_CODE, "not an MP4 video" if not info.is_mp4 else "no video track")
    if info.video_codec not in AKOOL_SUPPORTED_VIDEO_CODECS:
        raise AkoolError(UNSUPPORTED_ENCODING, f"video codec {info.video_codec!r}")
    if not info.has_audio:
        raise AkoolError(NO_AUDIO)
    if info.fps is not None and info.fps > AKOOL_MAX_FPS:
        raise AkoolError(TOO_MANY_FPS, f"{info.fps:g} fps")
    if lipsync and info.duration_seconds > AKOOL_LIPSYNC_MAX_SECONDS:
        raise AkoolError(TOO_LONG_FOR_LIPSYNC, f"{info.duration_seconds:g} s")
