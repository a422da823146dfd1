#!/usr/bin/env python3
"""Writes an OCI image layout with LAYERS gzip layers of about SIZE_MIB MiB each (random, so incompressible,
as binaries and media mostly are). Usage: make_layout.py DIR TAG LAYERS SIZE_MIB"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

out, tag, layers, size_mib = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(f"{out}/blobs/sha256", exist_ok=True)


def put(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{digest}", "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)


descriptors, diff_ids = [], []
for n in range(layers):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        payload = os.urandom(size_mib << 20)
        info = tarfile.TarInfo(f"layer{n}/data.bin")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    tar_bytes = raw.getvalue()
    diff_ids.append("sha256:" + hashlib.sha256(tar_bytes).hexdigest())
    digest, size = put(gzip.compress(tar_bytes, compresslevel=1, mtime=0))
    descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size})

config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids},
                     "config": {"Cmd": ["/bin/sh"]}}, sort_keys=True, separators=(",", ":")).encode()
config_digest, config_size = put(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest,
                                  "size": config_size}, "layers": descriptors},
                      sort_keys=True, separators=(",", ":")).encode()
manifest_digest, manifest_size = put(manifest)
with open(f"{out}/oci-layout", "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
with open(f"{out}/index.json", "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
               "digest": manifest_digest, "size": manifest_size,
               "annotations": {"org.opencontainers.image.ref.name": tag}}]}, f)
print(manifest_digest)
