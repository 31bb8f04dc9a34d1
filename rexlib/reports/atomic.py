"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Every file is written to a hidden temporary name in the *same* folder (so ``os.replace`` is a
rename on one file system), flushed and fsynced, then renamed over the final name; the folder is
fsynced after the rename so the new name survives a power cut. Temporary names start with ``.``
and end with ``.tmp`` (never ``.html``), so a crash leaves only such files, which the next run
removes (``clean_stale_temps``).
"""
from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

TEMP_SUFFIX = ".tmp"

#: errno values that mean the output folder cannot take files (as opposed to a notebook error).
FULL_OR_READ_ONLY = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


class OutputError(OSError):
    """The output folder is unwritable or full. ``str()`` is a sentence for the user."""

    def __init__(self, path: os.PathLike | str, cause: OSError):
        self.path, self.cause = str(path), cause
        reason = cause.strerror or str(cause)
        hint = {errno.ENOSPC: "the disk is full: free some space or choose another --output",
                errno.EDQUOT: "the disk quota is exhausted: free some space or choose another --output",
                errno.EROFS: "the file system is read-only: choose another --output",
                errno.EACCES: "permission denied: choose a folder you can write to (--output)",
                errno.EPERM: "permission denied: choose a folder you can write to (--output)",
                errno.ENOTDIR: "a path component is a file, not a folder: choose another --output",
                }.get(cause.errno, "choose another --output")
        super().__init__(cause.errno, f"cannot write {self.path}: {reason} ({hint})")

    def __str__(self) -> str:  # OSError's default str() adds "[Errno n]"
        return self.args[1]


def temp_path(final: Path) -> Path:
    return final.with_name(f".{final.name}.{os.getpid()}-{secrets.token_hex(4)}{TEMP_SUFFIX}")


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_into(tmp: Path, final: Path) -> None:
    """fsync ``tmp`` and rename it over ``final`` (same folder); then fsync the folder."""
    try:
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise OutputError(final, exc) from exc
    fsync_dir(final.parent)


def write_bytes(final: Path, data: bytes) -> None:
    final = Path(final)
    tmp = temp_path(final)
    try:
        with open(tmp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise OutputError(final, exc) from exc
    fsync_dir(final.parent)


def write_text(final: Path, text: str) -> None:
    write_bytes(final, text.encode("utf-8"))


def make_dirs(folder: Path) -> Path:
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(folder, exc) from exc
    return Path(folder)


def probe_writable(folder: Path) -> None:
    """Create ``folder`` and write, fsync and remove a small file in it; OutputError if that fails."""
    make_dirs(folder)
    probe = temp_path(Path(folder) / "write-probe")
    try:
        with open(probe, "xb") as handle:
            handle.write(b"rex report write probe\n" * 64)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        _unlink_quietly(probe)
        raise OutputError(folder, exc) from exc
    _unlink_quietly(probe)


def clean_stale_temps(folder: Path) -> int:
    """Remove temporary files an interrupted run left under ``folder``; returns how many."""
    removed = 0
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    for path in folder.rglob(f".*{TEMP_SUFFIX}"):
        if path.is_file() or path.is_symlink():
            _unlink_quietly(path)
            removed += 1
    return removed


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
