"""A minimal HTTP/1.1 file server for the download benchmark: `sendfile`, so the server costs little CPU.

Run as its own process (`python -m benchmarks.loopback_server FILE`): it prints its port on the first
line of stdout and serves FILE at every path until it is terminated. The sandbox's uvicorn server would
spend more CPU than the client under test; curl and `stream_to_storage` are measured against this one.
"""

from __future__ import annotations

import http.server
import os
import sys


def serve(path: str) -> None:
    size = os.path.getsize(path)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            with open(path, "rb") as source:
                self.connection.sendfile(source)

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(sys.argv[1])
