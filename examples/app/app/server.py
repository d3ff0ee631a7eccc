"""The HTTP shell around :func:`app.handlers.handle`: stdlib ThreadingHTTPServer."""

from __future__ import annotations

import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType

from app.handlers import MAX_BODY_BYTES, Response, Store, handle


def make_server(host: str, port: int, store: Store, version: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        server_version = "slipway-example-app"
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = self.headers.get("Content-Length", "0")
            if not length.isdigit():
                self._send(Response(400, {"error": "Content-Length: expected a number"}))
                return
            if int(length) > MAX_BODY_BYTES:
                self._send(Response(413, {"error": f"body: at most {MAX_BODY_BYTES} bytes"}))
                return
            body = self.rfile.read(int(length))
            self._send(handle(self.command, self.path, body, store, version))

        def _send(self, response: Response) -> None:
            payload = json.dumps(response.body).encode() + b"\n"
            self.send_response(response.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    # The base class dispatches on do_<METHOD>: every method goes to the one router, which
    # answers 405 for the ones a path does not take.
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
        setattr(Handler, f"do_{method}", Handler._serve)
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def serve(server: ThreadingHTTPServer) -> None:
    """Serve until SIGTERM (what ECS sends on scale-in and deploys) or SIGINT."""

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return: call it off the serving thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on port {server.server_port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
