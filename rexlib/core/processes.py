"""Whether a process still runs: the clean-up of what a killed process left behind (the build's
``.build-<pid>-*`` staging folders, user SQL's ``rex-sql-<pid>-*`` spill folders) asks it."""
from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """True while process ``pid`` exists (also when it belongs to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
