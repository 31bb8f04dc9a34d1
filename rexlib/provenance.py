"""Raw-file provenance: ``data/raw/sources.yml`` declares each file's release and sha256."""
from __future__ import annotations

import hashlib
from pathlib import Path

import yaml


class ChecksumMismatch(RuntimeError):
    """A raw file is missing or differs from the sha256 declared in sources.yml."""


def load_sources(raw_dir: Path) -> dict:
    with open(raw_dir / "sources.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_checksums(raw_dir: Path) -> dict:
    """Check every declared file; raise naming the first file that is missing or changed."""
    sources = load_sources(raw_dir)
    for entry in sources["files"]:
        path = raw_dir / entry["path"]
        if not path.exists():
            raise ChecksumMismatch(f"raw file missing: {entry['path']} (declared in data/raw/sources.yml)")
        actual = sha256_of(path)
        if actual != entry["sha256"]:
            raise ChecksumMismatch(
                f"raw file changed: {entry['path']}: sha256 {actual} != declared {entry['sha256']}. "
                "Raw files are never edited; restore the published file or declare a new release.")
    return sources


def citation_for(sources: dict, path: str) -> dict:
    """The release metadata (publisher, citation, DOI, licence ...) of one raw file."""
    for entry in sources["files"]:
        if entry["path"] == path:
            return dict(sources["releases"][entry["release"]], path=path, sha256=entry["sha256"])
    raise KeyError(path)
