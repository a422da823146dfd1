#!/usr/bin/env python3
"""A loopback HTTP proxy that misbehaves on purpose, to prove a client's retries: it forwards requests to
UPSTREAM, but answers 503 (with Retry-After: 0) to every 3rd request and drops the connection without an
answer on every 5th. Usage: flaky_proxy.py LISTEN_PORT UPSTREAM_HOST:PORT. Prints "ready" when listening."""
import http.client
import http.server
import itertools
import sys
import threading

counter = itertools.count(1)
lock = threading.Lock()
upstream_host, upstream_port = sys.argv[2].rsplit(":", 1)


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        with lock:
            n = next(counter)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if n % 5 == 0:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if n % 3 == 0:
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        conn = http.client.HTTPConnection(upstream_host, int(upstream_port), timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(self.command, self.path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() in ("content-length", "connection", "transfer-encoding"):
                continue
            if key.lower() == "location":
                value = value.replace(f"{upstream_host}:{upstream_port}", self.headers.get("Host", ""))
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = forward


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Proxy)
print("ready", flush=True)
server.serve_forever()
