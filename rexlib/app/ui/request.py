"""A preheated Voila kernel's wait for its page request (the URL query string), logged and retried.

Voila (0.5) starts a pool of kernels per app before anyone asks; each runs its notebook up to the
point where it needs the request, then waits on a websocket ``/voila/query/<kernel_id>`` for the
server to hand it one (``voila.utils.wait_for_request``). Voila's own wait connects once with a
5 s timeout and keepalive pings, and on any failure returns quietly with no request at all. A
kernel that lost its websocket while it waited then renders the notebook's defaults, ignoring the
visitor's URL, and nothing says so. This wait:

- connects without keepalive pings (a server busy with twenty page requests may not answer a ping
  within 20 s; the client would drop a connection that was fine) and with a generous open timeout;
- reconnects when the connection fails or closes before the request arrives (the server keeps the
  request for a kernel that is not connected and sends it when it connects);
- gives up only on an answer that will not change (the server refuses the URL) or when the server
  has been unreachable for ``give_up_after`` seconds, and then says so in the server log;
- writes one line per event to the kernel's real stderr, which Voila sends to the server log.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time

LOG_PREFIX = "rex kernel"


def _log(kernel_id: str, text: str) -> None:
    stamp = time.strftime("%H:%M:%S")
    try:
        print(f"[{stamp} {LOG_PREFIX} {kernel_id[:8]}] {text}", file=sys.__stderr__, flush=True)
    except Exception:   # a closed stderr must not stop the app
        pass


def request_url() -> str:
    """The websocket URL Voila's server answers for this kernel (same rules as voila.utils)."""
    protocol = os.getenv("VOILA_WS_PROTOCOL", "ws")
    server_ip = os.getenv("VOILA_APP_IP", "127.0.0.1")
    server_port = os.getenv("VOILA_APP_PORT", "8866")
    server_url = os.getenv("VOILA_SERVER_URL", "/")
    ws_base_url = os.getenv("VOILA_WS_BASE_URL", server_url)
    return f"{protocol}://{server_ip}:{server_port}{ws_base_url}voila/query/{os.getenv('VOILA_KERNEL_ID', '')}"


def _receive_once(url: str, open_timeout: float) -> str:
    from websockets.sync.client import connect
    # No keepalive pings: the request may come hours later and a busy server may be slow to pong.
    # proxy=None: the server is local; a proxy from the environment must not be asked for it.
    with connect(url, open_timeout=open_timeout, ping_interval=None, close_timeout=2,
                 proxy=None, max_size=2**22) as websocket:
        return websocket.recv()


def wait_for_request(*, open_timeout: float = 60.0, give_up_after: float = 600.0,
                     receive=_receive_once) -> dict | None:
    """Block until the server hands this kernel a page request; put it in ``os.environ``.

    Returns the request (``QUERY_STRING``, ``SCRIPT_NAME``...) or None when it could not be had, which
    the server log then explains. Runs the websocket in a thread: the kernel's own event loop is busy
    running this very cell."""
    kernel_id = os.getenv("VOILA_KERNEL_ID", "")
    url = request_url()
    outcome: dict = {}

    def run() -> None:
        from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI
        started = time.monotonic()
        unreachable_since: float | None = None
        attempt = 0
        delay = 0.2
        while True:
            attempt += 1
            try:
                outcome["raw"] = receive(url, open_timeout)
                return
            except (InvalidStatus, InvalidURI, TypeError, ValueError) as error:   # retrying will not help
                outcome["error"] = f"{type(error).__name__}: {error}"
                return
            except Exception as error:   # refused, timed out, closed before the request, reset ...
                now = time.monotonic()
                # A connection that opened and then closed shows the server is there: no clock runs.
                unreachable_since = None if isinstance(error, ConnectionClosed) else (unreachable_since or now)
                _log(kernel_id, f"request websocket attempt {attempt} failed after {now - started:.1f} s "
                                f"({type(error).__name__}: {error}); reconnecting")
                if unreachable_since is not None and now - unreachable_since > give_up_after:
                    outcome["error"] = f"server unreachable for {now - unreachable_since:.0f} s"
                    return
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    _log(kernel_id, "waiting for its page request")
    started = time.monotonic()
    thread = threading.Thread(target=run, name="rex-wait-for-request", daemon=True)
    thread.start()
    thread.join()
    if "raw" not in outcome:
        _log(kernel_id, f"no page request ({outcome.get('error', 'unknown')}); showing the notebook's defaults")
        return None
    try:
        info = json.loads(outcome["raw"])
    except (TypeError, ValueError) as error:
        _log(kernel_id, f"unreadable page request ({error}); showing the notebook's defaults")
        return None
    for key, value in info.items():
        os.environ[key] = str(value)
    _log(kernel_id, f"page request received after {time.monotonic() - started:.1f} s: "
                    f"{info.get('SCRIPT_NAME', '')}?{info.get('QUERY_STRING', '')}")
    return info
