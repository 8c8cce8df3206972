"""A pre-signed object as S3 serves it, for tests: `sample.mp4` only to requests with the right signature.

Importable from every test folder (the tests' root is on the path through `tests/conftest.py`).
"""

from __future__ import annotations

import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from video_localization_dev.media import media_dir

SIGNATURE = secrets.token_hex(32)
CREDENTIAL = "AKIAVLOCTEST" + secrets.token_hex(4).upper()


class SignedBucket:
    """Serves `sample.mp4` only to requests signed with `SIGNATURE` (as S3 serves a pre-signed GET)."""

    def __init__(self) -> None:
        self.signed_gets = 0
        self.refused = 0
        bucket = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlparse(self.path).query)
                if query.get("X-Amz-Signature") != [SIGNATURE]:
                    bucket.refused += 1
                    self.send_response(403)
                    self.end_headers()
                    return
                bucket.signed_gets += 1
                data = (media_dir() / "sample.mp4").read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args) -> None:  # the vendor side's access log is not ours to scan
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.server.server_port}"

    def url(self) -> str:
        return (
            f"http://{self.netloc}/launch/sample.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Credential={CREDENTIAL}%2F20261204%2Fus-east-1%2Fs3%2Faws4_request"
            f"&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature={SIGNATURE}"
        )

    def start(self) -> SignedBucket:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
