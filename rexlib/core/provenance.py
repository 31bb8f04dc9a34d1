"""Raw-file provenance: ``data/raw/sources.yml`` declares each file's release and sha256."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
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


def source_tables(sources: dict) -> dict[str, pd.DataFrame]:
    """``sources`` (one row per release: id, publisher, title, citation, doi, url, licence,
    date_published, vintage, note) and ``source_files`` (one row per raw file: path, release, bytes,
    sha256), so that citations travel inside the database."""
    releases = pd.DataFrame([
        dict(id=rid, publisher=r.get("publisher"), title=r.get("title"), citation=r.get("citation"),
             doi=r.get("doi"), url=r.get("url"), licence=r.get("licence"),
             # as declared: an ISO date, or only the year where the publisher gives no day (EC 2023 study)
             date_published=None if r.get("date_published") is None else str(r.get("date_published")),
             vintage=r.get("vintage"), note=r.get("note"))
        for rid, r in sources["releases"].items()])
    files = pd.DataFrame([dict(path=f["path"], release=f["release"], bytes=int(f["bytes"]), sha256=f["sha256"])
                          for f in sources["files"]])
    return {"sources": releases, "source_files": files}
