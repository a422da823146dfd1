#!/usr/bin/env python3
"""Constant load through a proxy during deploys: CONNECTIONS keep-alive connections, each sending GET / back to
back, until STOP_FILE exists. Prints "ready" once every connection has had its first answer, and one JSON
summary at the end: total, errors, non2xx, by_version (body -> count), first_problem, and stale: responses
from the old version to requests that *started* after a response of the new version (NEW, the body the deploy
switches to) had *finished* — which an atomic switch never gives. One load covers one switch.
Usage: load.py HOST:PORT CONNECTIONS STOP_FILE NEW"""
import http.client
import json
import os
import sys
import threading
import time

address, connections, stop_file, new = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
host, port = address.rsplit(":", 1)
lock = threading.Lock()
summary = {"total": 0, "errors": 0, "non2xx": 0, "by_version": {}, "first_problem": None}
# For the staleness check: (start, end, body) of every response.
records = []
started = threading.Barrier(connections + 1)


def worker():
    conn = None
    first = True
    while True:
        if not first and os.path.exists(stop_file):
            break
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
            begin = time.monotonic()
            conn.request("GET", "/")
            response = conn.getresponse()
            body = response.read().decode(errors="replace").strip()
            end = time.monotonic()
            with lock:
                summary["total"] += 1
                if response.status // 100 != 2:
                    summary["non2xx"] += 1
                    summary["first_problem"] = summary["first_problem"] or f"HTTP {response.status}: {body[:200]}"
                else:
                    summary["by_version"][body] = summary["by_version"].get(body, 0) + 1
                    records.append((begin, end, body))
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except Exception as error:  # a failed request is what this load exists to catch
            with lock:
                summary["total"] += 1
                summary["errors"] += 1
                summary["first_problem"] = summary["first_problem"] or f"{type(error).__name__}: {error}"
            if conn is not None:
                conn.close()
            conn = None
        if first:
            first = False
            started.wait()


threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
for thread in threads:
    thread.start()
started.wait()
print("ready", flush=True)
for thread in threads:
    thread.join()

first_new = min((end for begin, end, body in records if body == new), default=None)
stale = [body for begin, end, body in records if first_new is not None and begin > first_new and body != new]
summary["stale"] = len(stale)
if stale:
    summary["first_problem"] = summary["first_problem"] or f"stale: got '{stale[0]}' after '{new}' was served"
print(json.dumps(summary), flush=True)
