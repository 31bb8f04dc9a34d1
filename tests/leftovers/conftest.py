"""The live apps' fixtures (a real rex serve, headless Chromium) for this folder's browser tests."""
from tests.apps.conftest import browser, voila_url  # noqa: F401  (fixtures)
