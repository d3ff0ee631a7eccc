"""Answers every GET with 200 "ok": enough for a container health check."""

from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok\n")


HTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
