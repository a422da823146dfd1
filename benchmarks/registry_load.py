#!/usr/bin/env python3
"""Pushes and pulls blobs against an OCI registry over plain HTTP, the way docker does for each layer:
POST /blobs/uploads/, then PUT <location>?digest= with the whole blob; GET /blobs/<digest> to pull.

Usage: registry_load.py HOST:PORT REPOSITORY push|pull FILE... [--clients N]
Prints one line: the operation, the number of blobs, bytes, seconds and MiB/s.
"""
import hashlib
import http.client
import os
import sys
import threading
import time


def digest_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def push(conn, repo, path, digest):
    conn.request("POST", f"/v2/{repo}/blobs/uploads/", headers={"Content-Length": "0"})
    r = conn.getresponse()
    r.read()
    if r.status != 202:
        raise SystemExit(f"POST {repo}: {r.status}")
    location = r.getheader("Location")
    if location.startswith("http"):
        location = "/" + location.split("/", 3)[3]
    sep = "&" if "?" in location else "?"
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        conn.request("PUT", f"{location}{sep}digest={digest}", body=f,
                     headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"})
        r = conn.getresponse()
        r.read()
    if r.status != 201:
        raise SystemExit(f"PUT {path}: {r.status}")


def pull(conn, repo, digest):
    conn.request("GET", f"/v2/{repo}/blobs/{digest}")
    r = conn.getresponse()
    total = 0
    while chunk := r.read(1 << 20):
        total += len(chunk)
    if r.status != 200:
        raise SystemExit(f"GET {digest}: {r.status}")
    return total


def main():
    args = sys.argv[1:]
    clients = 1
    if "--clients" in args:
        i = args.index("--clients")
        clients = int(args[i + 1])
        del args[i:i + 2]
    address, repo, operation, files = args[0], args[1], args[2], args[3:]
    host, port = address.rsplit(":", 1)
    # Digests are computed before the clock starts: they are the client's business, not the registry's.
    work = [(path, digest_of(path)) for path in files]
    total_bytes = sum(os.path.getsize(p) for p, _ in work)
    lock = threading.Lock()
    errors = []

    def worker():
        conn = http.client.HTTPConnection(host, int(port), timeout=600)
        while True:
            with lock:
                if not work:
                    return
                path, digest = work.pop()
            try:
                if operation == "push":
                    push(conn, repo, path, digest)
                else:
                    pull(conn, repo, digest)
            except BaseException as error:  # noqa: BLE001 - report and stop
                errors.append(f"{path}: {error}")
                return

    count = len(work)
    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - start
    if errors:
        raise SystemExit("; ".join(errors[:3]))
    print(f"{operation} {count} {total_bytes} {seconds:.3f} {total_bytes / seconds / (1 << 20):.1f}")


if __name__ == "__main__":
    main()
