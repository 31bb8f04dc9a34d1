"""The load and smoke checks use the test suite's fixtures: the one shared headless Chromium and the
prebuilt database (importing tests.conftest also sets its environment: no shared section cache,
a temporary cache folder)."""
from __future__ import annotations

import pytest

from tests.conftest import chromium, db  # noqa: F401 (fixtures)


@pytest.fixture(scope="session")
def browser(chromium):  # noqa: F811
    return chromium
