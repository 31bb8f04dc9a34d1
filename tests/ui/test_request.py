"""A preheated kernel's wait for its page request (rexlib.app.ui.request), against real websocket servers
that behave like Voila's ``/voila/query/<kernel_id>`` handler, and worse."""
from __future__ import annotations

import json
import os
import socket
import threading

import pytest
from websockets.sync.server import serve

from rexlib.app.ui import common, request

KERNEL = "0123456789abcdef-kernel"
REQUEST = {"QUERY_STRING": "mineral=cobalt&year=2023", "SCRIPT_NAME": "/voila/render/mineral_profile.ipynb",
           "SERVER_PORT": "8866"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def kernel_env(monkeypatch):
    port = _free_port()
    monkeypatch.setenv("VOILA_APP_IP", "127.0.0.1")
    monkeypatch.setenv("VOILA_APP_PORT", str(port))
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    monkeypatch.delenv("VOILA_WS_BASE_URL", raising=False)
    monkeypatch.setenv("VOILA_KERNEL_ID", KERNEL)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    for name in ("SCRIPT_NAME", "SERVER_PORT"):   # wait_for_request sets them; undone after the test
        monkeypatch.delenv(name, raising=False)
    return port


class FlakyServer:
    """Closes the first ``drop`` connections without a word, then sends the request to the next."""

    def __init__(self, port: int, drop: int = 0, status: int | None = None):
        self.paths: list[str] = []
        self.drop = drop
        self.status = status

        def handler(connection):
            self.paths.append(connection.request.path)
            if len(self.paths) <= self.drop:
                connection.close()
                return
            connection.send(json.dumps(REQUEST))

        def refuse(connection, req):
            if self.status is not None:
                return connection.respond(self.status, "no such kernel\n")
            return None

        self.server = serve(handler, "127.0.0.1", port, process_request=refuse)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


def test_the_url_is_voilas(kernel_env):
    assert request.request_url() == f"ws://127.0.0.1:{kernel_env}/voila/query/{KERNEL}"


def test_receives_the_request_and_sets_the_environment(kernel_env, capfd):
    with FlakyServer(kernel_env) as server:
        info = request.wait_for_request()
    assert info == REQUEST
    assert server.paths == [f"/voila/query/{KERNEL}"]
    assert os.environ["QUERY_STRING"] == "mineral=cobalt&year=2023"
    log = capfd.readouterr().err
    assert "waiting for its page request" in log and "page request received" in log
    assert "?mineral=cobalt&year=2023" in log


def test_reconnects_when_the_connection_closes_before_the_request(kernel_env, capfd):
    """Voila's own wait returns with no request here (the visitor's URL is then ignored)."""
    with FlakyServer(kernel_env, drop=2) as server:
        info = request.wait_for_request()
    assert info == REQUEST and len(server.paths) == 3
    log = capfd.readouterr().err
    assert log.count("reconnecting") == 2 and "ConnectionClosed" in log


def test_waits_for_a_server_that_is_not_up_yet(kernel_env, capfd):
    """Nothing listens for the first second (a restarting server): the wait keeps trying."""
    started = threading.Event()

    def start_later():
        import time
        time.sleep(1.0)
        with FlakyServer(kernel_env):
            started.set()
            time.sleep(3.0)

    helper = threading.Thread(target=start_later)
    helper.start()
    info = request.wait_for_request(open_timeout=2)
    helper.join()
    assert started.is_set() and info == REQUEST
    assert "ConnectionRefusedError" in capfd.readouterr().err


def test_gives_up_on_a_refusal_and_says_so(kernel_env, capfd):
    with FlakyServer(kernel_env, status=404) as server:
        assert request.wait_for_request() is None
    assert len(server.paths) == 0        # refused at the handshake: the handler never ran
    assert "QUERY_STRING" not in os.environ
    log = capfd.readouterr().err
    assert "no page request (InvalidStatus" in log and "404" in log and "defaults" in log


def test_gives_up_on_an_unreachable_server_after_the_limit(kernel_env, capfd):
    assert request.wait_for_request(open_timeout=0.5, give_up_after=1.0) is None
    log = capfd.readouterr().err
    assert "server unreachable" in log and log.count("reconnecting") >= 2


def test_an_unreadable_request_leaves_the_environment_alone(kernel_env, capfd):
    def garbage(url, timeout):
        return "not json"
    assert request.wait_for_request(receive=garbage) is None
    assert "unreadable page request" in capfd.readouterr().err


def test_query_params_of_a_preheated_kernel_come_from_the_server(kernel_env, monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(common, "_request_seen", False)
    with FlakyServer(kernel_env, drop=1):
        assert common.awaiting_request()
        assert common.query_params() == {"mineral": "cobalt", "year": "2023"}
        assert not common.awaiting_request()
        # once per kernel: a second call does not wait again (the server would never answer)
        assert common.query_params() == {"mineral": "cobalt", "year": "2023"}
