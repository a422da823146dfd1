#!/usr/bin/env python3
"""A registry front that tests a client's defences. It forwards to UPSTREAM (an anonymous registry) but:
- requires Basic auth itself (any user name, password "pw"), so the client sends an Authorization header;
- answers blob GETs with a 307 to a "CDN" on another host (127.0.0.2), which serves the blob and records,
  in AUTH_LOG, any Authorization header it was sent (a client must not send it across hosts);
- with --lie-manifests, appends a space to manifests fetched by digest; with --lie-blobs, flips a byte of
  every blob; with --html, answers everything with a web page (a captive portal, a proxy's login page).
Usage: tricky_registry.py PORT CDN_PORT UPSTREAM_HOST:PORT AUTH_LOG [--lie-manifests] [--lie-blobs] [--html]
Prints "ready" when both listen."""
import base64
import http.client
import http.server
import sys
import threading

port, cdn_port, upstream, auth_log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
lie_manifests = "--lie-manifests" in sys.argv
lie_blobs = "--lie-blobs" in sys.argv
html = "--html" in sys.argv
up_host, up_port = upstream.rsplit(":", 1)


def fetch(method, path, headers, body=None):
    conn = http.client.HTTPConnection(up_host, int(up_port), timeout=60)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.getheaders(), response.read()


class Base(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, headers, data):
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value.replace(upstream, self.headers.get("Host", "")) if key.lower() == "location" else value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


class Front(Base):
    def handle_any(self):
        if html:
            return self.reply(200, [("Content-Type", "text/html; charset=utf-8")], b"<html><body>Please sign in to the Wi-Fi</body></html>")
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Basic ") or not base64.b64decode(auth[6:]).decode().endswith(":pw"):
            return self.reply(401, [("WWW-Authenticate", 'Basic realm="tricky"')], b"")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.command == "GET" and "/blobs/sha256:" in self.path:
            return self.reply(307, [("Location", f"http://127.0.0.2:{cdn_port}{self.path}")], b"")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization", "connection")}
        status, response_headers, data = fetch(self.command, self.path, headers, body)
        if lie_manifests and "/manifests/sha256:" in self.path and self.command == "GET":
            data = data + b" "
        self.reply(status, response_headers, data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class CDN(Base):
    def do_GET(self):
        if self.headers.get("Authorization"):
            with open(auth_log, "a") as log:
                log.write(f"{self.path} {self.headers.get('Authorization')}\n")
        status, headers, data = fetch("GET", self.path, {})
        if lie_blobs and data:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        self.reply(status, headers, data)


servers = [http.server.ThreadingHTTPServer(("127.0.0.1", port), Front),
           http.server.ThreadingHTTPServer(("127.0.0.2", cdn_port), CDN)]
for server in servers:
    threading.Thread(target=server.serve_forever, daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
