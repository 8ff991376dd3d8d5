"""Data bundles: tar.gz archives of daily bars, downloaded and unpacked."""

import os
import tarfile

import requests

BUNDLE_URL = "https://data.example.invalid/bundles/{name}.tar.gz"


def download_bundle(name, dest_dir, url=None):
    url = url or BUNDLE_URL.format(name=name)
    resp = requests.get(url, stream=True)
    resp.raise_for_status()
    os.makedirs(dest_dir, exist_ok=True)
    archive = os.path.join(dest_dir, f"{name}.tar.gz")
    with open(archive, "wb") as fh:
        for chunk in resp.iter_content(chunk_size=1 << 16):
            fh.write(chunk)
    return archive


def ingest(archive, output_dir):
    """Unpack a bundle archive into output_dir; return the member names."""
    os.makedirs(output_dir, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        tar.extractall(output_dir)
    return sorted(names)
