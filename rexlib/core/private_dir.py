"""Folders only their owner can read: the shared section cache (``~/.cache/rex``) and below.

``os.makedirs(path, mode=0o700)`` gives that mode to the last folder only; the ones it creates on the
way get the default (0755 with the usual umask), so ``~/.cache/rex`` and ``sections/`` were readable
by every user of the machine. Here every folder from ``base`` down to ``path`` is created 0700, and
one that exists with group or other access (made by an older version) is set to 0700. ``base`` must
be the caller's own folder: ``base``'s parent (a shared folder such as /tmp given as REX_CACHE_DIR) is
created if missing but never changed, and a ``base`` owned by another user is refused.
"""
from __future__ import annotations

import os
import stat


def makedirs_private(path: str, base: str) -> None:
    """Create ``path`` and every folder between ``base`` (included) and it with mode 0700.
    ``base``'s own parent (e.g. ``~/.cache``) is created with the default mode if missing."""
    base = os.path.abspath(base)
    path = os.path.abspath(path)
    if os.path.commonpath([base, path]) != base:
        raise ValueError(f"{path} is not inside {base}")
    os.makedirs(os.path.dirname(base), exist_ok=True)
    folders = [base]
    rest = os.path.relpath(path, base)
    if rest != ".":
        for part in rest.split(os.sep):
            folders.append(os.path.join(folders[-1], part))
    for folder in folders:
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            st = os.lstat(folder)
            if st.st_uid != os.getuid():
                # Someone else's folder (or link) where ours belongs: never write into it.
                raise PermissionError(f"{folder} belongs to another user (uid {st.st_uid}); not used") from None
            if stat.S_IMODE(st.st_mode) & 0o077 and not stat.S_ISLNK(st.st_mode):
                os.chmod(folder, 0o700)
