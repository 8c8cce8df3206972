"""An httpx transport for large downloads: the body is read with `readinto` into the caller's buffer.

Why: httpx's own HTTP/1.1 path (httpcore + h11) reads the socket 64 KiB at a time, copies each piece
into h11's receive buffer and out again, and allocates a fresh `bytes` per piece. Measured on loopback
into /dev/shm that caps a download at about 30-50 % of `curl -o`. The standard library's
`http.client` reads a Content-Length (or chunked) body straight from the socket into a buffer the
caller owns, so a buffer (4 MiB for downloads) is filled with one copy and reused.

It is an httpx *transport*, so everything above the wire stays httpx's and `VendorApi`'s: redirects,
headers (auth included), status handling, retries with `Retry-After`. The response carries a
`READINTO` extension (a callable `readinto(buffer) -> int`); `core.storage.stream_to_storage` uses it
when present and falls back to `iter_raw()` for any other transport (tests' `MockTransport`, proxies).

Scope: one connection per request, closed with the response (a download is one long request; pooling
buys nothing). No proxy support: `VendorApi` uses this transport only when no proxy is configured in
the environment.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Callable, Iterator

import httpx

#: Response extension holding `readinto(buffer) -> int` (0 at the end of the body).
READINTO = "video_localization.readinto"

_ITER_SIZE = 64 * 1024


def _transport_error(exc: BaseException, *, connecting: bool) -> httpx.TransportError:
    """The httpx exception `VendorApi` already knows how to retry (or not) for a low-level failure."""
    if isinstance(exc, TimeoutError | socket.timeout):
        return httpx.ConnectTimeout(str(exc)) if connecting else httpx.ReadTimeout(str(exc))
    if isinstance(exc, http.client.HTTPException):
        return httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}")
    if connecting:
        return httpx.ConnectError(f"{type(exc).__name__}: {exc}")
    return httpx.ReadError(f"{type(exc).__name__}: {exc}")


class _ReadintoStream(httpx.SyncByteStream):
    """The body of one `http.client` response; closing it closes the connection."""

    def __init__(self, response: http.client.HTTPResponse, connection: http.client.HTTPConnection) -> None:
        self._response = response
        self._connection = connection

    def readinto(self, buffer: memoryview | bytearray) -> int:
        try:
            count = self._response.readinto(buffer)
        except (OSError, http.client.HTTPException) as exc:
            raise _transport_error(exc, connecting=False) from exc
        # http.client answers 0 when the peer closes early, even with Content-Length bytes still owed.
        if count == 0 and len(buffer) and self._response.length:
            raise httpx.RemoteProtocolError(
                f"the connection closed with {self._response.length} bytes of the body not sent"
            )
        return count

    def __iter__(self) -> Iterator[bytes]:
        # httpx reads small bodies (errors, redirects) this way; downloads use `readinto`.
        while True:
            try:
                chunk = self._response.read(_ITER_SIZE)
            except (OSError, http.client.HTTPException) as exc:
                raise _transport_error(exc, connecting=False) from exc
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        self._response.close()
        self._connection.close()


class ReadintoTransport(httpx.BaseTransport):
    """HTTP/1.1 over `http.client`, with the response body readable straight into a caller's buffer."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        # httpx's own default context (certifi, or SSL_CERT_FILE / SSL_CERT_DIR): same trust as the API calls.
        self._ssl_context = ssl_context or httpx.create_ssl_context()

    def _connection(self, url: httpx.URL, connect_timeout: float | None) -> http.client.HTTPConnection:
        if url.scheme == "https":
            return http.client.HTTPSConnection(
                url.host, url.port or 443, timeout=connect_timeout, context=self._ssl_context
            )
        if url.scheme == "http":
            return http.client.HTTPConnection(url.host, url.port or 80, timeout=connect_timeout)
        raise httpx.UnsupportedProtocol(f"{url.scheme!r} is not http or https")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        connection = self._connection(request.url, timeouts.get("connect"))
        try:
            connection.connect()
        except OSError as exc:
            connection.close()
            raise _transport_error(exc, connecting=True) from exc
        try:
            if connection.sock is not None:
                connection.sock.settimeout(timeouts.get("read"))
            connection.putrequest(
                request.method,
                request.url.raw_path.decode("ascii"),
                skip_host=True,  # httpx already put Host (and Accept-Encoding) in request.headers
                skip_accept_encoding=True,
            )
            for name, value in request.headers.raw:
                connection.putheader(name.decode("latin-1"), value.decode("latin-1"))
            body = request.read()
            connection.endheaders(body or None)
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise _transport_error(exc, connecting=False) from exc
        stream = _ReadintoStream(response, connection)
        readinto: Callable[[memoryview | bytearray], int] = stream.readinto
        return httpx.Response(
            response.status,
            headers=response.getheaders(),
            stream=stream,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": response.reason.encode("latin-1", "replace"),
                READINTO: readinto,
            },
        )
