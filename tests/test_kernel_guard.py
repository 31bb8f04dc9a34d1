"""rex serve's closed-tab guard (rexlib/app/serve_app.KernelGuard) on a fake kernel manager and clock.

The case that failed on CI (2026-12-01, the 20-session load test): under load a preheated kernel
took 61 s to run the app for its page; the guard counted the page's quiet time from the moment the
kernel id appeared in the HTML's head, shut the kernel down after 45 s ("no connection and no
heartbeat from its page for 50 s"), and the visitor's page never went live."""
from __future__ import annotations

import pytest

from rexlib.app import serve_app
from rexlib.app.serve_app import KernelGuard


class FakeKernels:
    def __init__(self):
        self.ids: set[str] = set()
        self._kernel_connections: dict[str, int] = {}
        self.shut: list[str] = []

    def list_kernel_ids(self):
        return list(self.ids)

    async def shutdown_kernel(self, kernel_id):
        self.ids.discard(kernel_id)
        self.shut.append(kernel_id)


class Log:
    def info(self, *a, **k): pass
    def warning(self, *a, **k): pass


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(serve_app.time, "monotonic", lambda: now[0])
    return now


def _run(coroutine):
    """Run ``reap()`` to its end without an event loop (the fake manager never suspends it): the
    test process may already hold a running loop (CI, under xdist, refused asyncio.run)."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("reap() waited for something the fake kernel manager never does")


def _guard(km):
    return KernelGuard(km, Log(), max_kernels=3, closed_tab_seconds=45.0)


def test_a_page_still_being_sent_keeps_its_kernel_however_long_it_takes(clock):
    km = FakeKernels(); km.ids.add("k1")
    guard = _guard(km)
    guard.page_started()
    guard.page_kernel("k1")            # the kernel id is in the HTML's head; the app still runs
    clock[0] += 120                    # two minutes of a busy machine
    _run(guard.reap())
    assert km.shut == [] and "k1" in guard.pages
    guard.page_finished("k1")          # the page is sent: from now on its quiet time counts
    clock[0] += 50                     # its scripts still loading: more than 45 s, no sign of life
    _run(guard.reap())
    assert km.shut == []
    guard.beat("k1")                   # a heartbeat from the page's head: not yet shown
    clock[0] += 100
    _run(guard.reap())
    assert km.shut == []
    km._kernel_connections["k1"] = 1   # the page's front end connects: it is shown
    guard.page_connected("k1")
    _run(guard.reap())
    km._kernel_connections["k1"] = 0   # the tab is closed without Voila's shutdown request
    clock[0] += 40
    _run(guard.reap())
    assert km.shut == []
    clock[0] += 10                     # 50 s without a heartbeat or a websocket
    _run(guard.reap())
    assert km.shut == ["k1"] and "k1" not in guard.pages and guard.in_use_count() == 0


def test_a_page_that_never_shows_up_frees_its_kernel_after_the_first_contact_wait(clock):
    km = FakeKernels(); km.ids.add("k1")
    guard = _guard(km)
    guard.page_started(); guard.page_kernel("k1"); guard.page_finished("k1")
    clock[0] += 175
    _run(guard.reap())
    assert km.shut == []
    clock[0] += 10                     # 185 s > first_contact_seconds (180)
    _run(guard.reap())
    assert km.shut == ["k1"]


def test_a_connected_or_beating_page_keeps_its_kernel_a_closed_one_loses_it(clock):
    km = FakeKernels(); km.ids |= {"open", "beating", "closed"}
    guard = _guard(km)
    for k in ("open", "beating", "closed"):
        guard.page_started(); guard.page_kernel(k); guard.page_finished(k)
    km._kernel_connections["open"] = 1
    km._kernel_connections["closed"] = 1
    guard.page_connected("closed"); guard.page_connected("open")
    _run(guard.reap())          # "closed" was open once (its websocket connected) ...
    km._kernel_connections["closed"] = 0   # ... and its tab was closed
    for _ in range(6):                 # 60 s, a heartbeat every 10 s from one page
        clock[0] += 10
        guard.beat("beating")
        _run(guard.reap())
    assert km.shut == ["closed"]
    assert guard.full() is False and guard.in_use_count() == 2


def test_the_limit_counts_pages_being_sent_and_requests_without_a_kernel_yet(clock):
    km = FakeKernels(); km.ids |= {"a", "b"}
    guard = _guard(km)
    guard.page_started(); guard.page_kernel("a")          # being sent
    guard.page_started(); guard.page_kernel("b"); guard.page_finished("b")
    guard.page_started()                                   # admitted, kernel id not seen yet
    assert guard.in_use_count() == 3 and guard.full()
    guard.page_finished(None)                              # that request ended without a kernel
    assert guard.in_use_count() == 2 and not guard.full()


def test_a_page_that_connected_between_two_checks_counts_as_shown(clock):
    """The websocket handler reports the connection itself (``page_connected``): a page that went
    live and was closed between two of the guard's checks still frees its kernel after 45 s."""
    km = FakeKernels(); km.ids.add("k1")
    guard = _guard(km)
    guard.page_started(); guard.page_kernel("k1"); guard.page_finished("k1")
    guard.page_connected("k1")         # connected and closed again before any check ran
    clock[0] += 50
    _run(guard.reap())
    assert km.shut == ["k1"]

