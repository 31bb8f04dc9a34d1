"""Corrupt or changed raw data: the build refuses naming file, line and problem, and the last good
database stays in place and usable (test_build.py's test_failed_build_keeps_last_good_database).
Each case re-declares the changed file's checksum (as a new
release would), so the structural checks behind the checksum are exercised too."""
import shutil

import pytest
import yaml

from rexlib.etl.build import BuildError, build
from rexlib.core.provenance import ChecksumMismatch, sha256_of
from tests.conftest import RAW

CURATED = RAW.parent / "curated"
MAIN = "usgs/mcs2026/MCS2026_Commodities_Data.csv"


@pytest.fixture()
def raw_copy(tmp_path):
    dest = tmp_path / "raw"
    shutil.copytree(RAW, dest)
    return dest


def redeclare(raw_dir, rel):
    doc = yaml.safe_load((raw_dir / "sources.yml").read_text())
    for entry in doc["files"]:
        if entry["path"] == rel:
            entry["sha256"] = sha256_of(raw_dir / rel)
    (raw_dir / "sources.yml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


def mutate_lines(raw_dir, fn):
    path = raw_dir / MAIN
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join(fn(lines)))
    redeclare(raw_dir, MAIN)


def test_changed_checksum_is_refused_first(raw_copy, tmp_path):
    with open(raw_copy / MAIN, "ab") as handle:
        handle.write(b"x")
    with pytest.raises(ChecksumMismatch, match=MAIN):
        build(raw_dir=raw_copy, curated_dir=CURATED, out_dir=tmp_path / "out")


def test_truncated_file(raw_copy, tmp_path):
    def truncate(lines):
        cut = lines[:4000]
        cut[-1] = cut[-1][: len(cut[-1]) // 3]      # the last row ends mid-field
        return cut
    mutate_lines(raw_copy, truncate)
    with pytest.raises(BuildError, match=r"MCS2026_Commodities_Data.csv line 4000: \d+ fields, expected 12"):
        build(raw_dir=raw_copy, curated_dir=CURATED, out_dir=tmp_path / "out")


def test_shifted_columns(raw_copy, tmp_path):
    def shift(lines):
        lines[99] = b"EXTRA," + lines[99]
        return lines
    mutate_lines(raw_copy, shift)
    with pytest.raises(BuildError, match=r"line 100: 13 fields, expected 12 \(truncated file or shifted columns\)"):
        build(raw_dir=raw_copy, curated_dir=CURATED, out_dir=tmp_path / "out")


def test_reencoded_as_utf8(raw_copy, tmp_path):
    path = raw_copy / MAIN
    path.write_bytes(path.read_bytes().decode("cp1252").encode("utf-8"))
    redeclare(raw_copy, MAIN)
    with pytest.raises(BuildError, match=r"line \d+: text looks re-encoded"):
        build(raw_dir=raw_copy, curated_dir=CURATED, out_dir=tmp_path / "out")


def test_new_unknown_country_label(raw_copy, tmp_path):
    def rename(lines):
        lines = list(lines)
        for i, line in enumerate(lines):
            if line.startswith(b"COBALT,World Mine Production") and b",Cuba," in line:
                lines[i] = line.replace(b",Cuba,", b",Freedonia,")
        return lines
    mutate_lines(raw_copy, rename)
    with pytest.raises(BuildError, match=r"'Freedonia' in \['usgs/mcs2026/MCS2026_Commodities_Data.csv line \d+"):
        build(raw_dir=raw_copy, curated_dir=CURATED, out_dir=tmp_path / "out")
