"""Serving safety: loopback only, no notebook sources or repository files served, no tracebacks,
idle kernels culled. (Twenty concurrent sessions: benchmarks/checks/test_load.py.)"""
from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from rexlib.app.serve import voila_argv


pytestmark = pytest.mark.browser


# A browser's page sets it (rexlib.app.serve_app.SCRIPT_GATE_PAGE); requests made here as a page would.
AS_A_PAGE = {"Cookie": "rex_page=1"}


def _status(url: str, headers: dict | None = AS_A_PAGE) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=120) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def _listening_addresses(port: int) -> set[str]:
    """Local addresses listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":
                found.add(address)
    return found


def test_binds_loopback_only(voila_url):
    port = int(voila_url.rsplit(":", 1)[1])
    addresses = _listening_addresses(port)
    assert addresses, "server not listening"
    # 0100007F is 127.0.0.1 in /proc's little-endian hex; 00000000 would be every interface
    assert addresses <= {"0100007F", "00000000000000000000000001000000"}, addresses


def test_default_host_is_loopback_and_culling_is_on():
    argv = voila_argv("127.0.0.1", 8866, False)
    assert "--Voila.ip=127.0.0.1" in argv
    assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in argv)
    assert "--VoilaConfiguration.show_tracebacks=False" in argv
    assert "--VoilaConfiguration.strip_sources=True" in argv


def _server_pid(port: int) -> int:
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"rexlib.app.serve" in cmd and str(port).encode() in cmd:
            return int(entry)
    raise AssertionError(f"no rexlib.app.serve process for port {port}")


def test_kernels_use_unix_sockets(voila_url):
    """The server's kernels talk over Unix sockets (KernelManager.transport=ipc): with TCP, kernels
    starting together raced for the same "free" ports and one died ("Address already in use"),
    leaving its page unfinished; and no kernel channel is reachable over the network."""
    import json
    _status(voila_url + "/voila/render/scenario.ipynb")          # at least one kernel in use
    kernels = [pid for pid in _children(_server_pid(int(voila_url.rsplit(":", 1)[1])))
               if b"ipykernel_launcher" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert kernels, "the server started no kernel"
    for pid in kernels:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        connection = json.loads(Path(argv[argv.index("-f") + 1]).read_text())
        assert connection["transport"] == "ipc", connection
        assert Path(f"{connection['ip']}-{connection['shell_port']}").is_socket()


@pytest.mark.parametrize("path", [
    "/voila/files/mineral_profile.ipynb",
    "/voila/files/../data/raw/sources.yml",
    "/voila/files/..%2Fpyproject.toml",
    "/voila/files/..%2F..%2Fetc%2Fpasswd",
    "/api/contents/mineral_profile.ipynb",
    "/files/mineral_profile.ipynb",
    "/tree/..",
])
def test_does_not_serve_sources_or_repository_files(voila_url, path):
    status, body = _status(voila_url + path)
    assert status != 200 or ("from rexlib" not in body and "[build-system]" not in body and "root:" not in body)


def test_rendered_page_has_no_code_and_no_traceback(voila_url):
    status, body = _status(voila_url + "/voila/render/mineral_profile.ipynb?mineral=cobalt'%3B%20DROP%20TABLE%20production%3B--")
    assert status == 200
    assert "from rexlib.app.ui import" not in body
    assert "Traceback" not in body


def test_a_request_that_runs_no_script_takes_no_kernel(voila_url):
    """Issue 28 item 3. Before: ten plain GETs of an app held ten kernels (3.45 GB) for about 185 s,
    and three <img> tags on another site's page filled a --max-kernels 3 server. Now a request
    without the cookie a page's script sets (a plain GET; another site's <img>, which never sends a
    SameSite=Strict cookie) is answered by a page that takes no kernel, and a request with it gets
    the app with its kernel."""
    from rexlib.app.serve_app import SCRIPT_GATE_PAGE
    for app in ("claims", "scenario", "explore"):
        for _ in range(3):
            status, body = _status(f"{voila_url}/voila/render/{app}.ipynb", headers={})
            assert status == 200 and body == SCRIPT_GATE_PAGE, body[:300]
            assert "kernelId" not in body and "jupyter-config-data" not in body
    status, body = _status(f"{voila_url}/voila/render/claims.ipynb")         # a page's request
    assert status == 200 and re.search(r'"kernelId":\s*"[0-9a-f-]{36}"', body)


@pytest.mark.parametrize("size", [20_000, 70_000, 500_000])
def test_a_url_too_long_gets_414_with_a_sentence(voila_url, size):
    """Issue 28 item 11: a URL over 64 kB got an empty response (tornado closed the connection)."""
    status, body = _status(f"{voila_url}/voila/render/claims.ipynb?verdict=" + "x" * size)
    assert status == 414


def test_headers_too_long_get_431(voila_url):
    status, _ = _status(f"{voila_url}/voila/render/claims.ipynb", headers={**AS_A_PAGE, "X-Big": "y" * 70_000})
    assert status == 431


def test_page_carries_the_late_load_shim_before_voilas_front_end(voila_url):
    """Without it a page that fired "load" before Voila's start-up chunk ran never connects to its
    kernel (tests/apps/test_late_load.py shows the browser behaviour)."""
    status, body = _status(voila_url + "/voila/render/claims.ipynb")
    assert status == 200
    shim, front_end = body.find("window.__rexLateLoad"), body.find('src="/voila/static/voila.js"')
    assert 0 < shim < body.find("</head>") < front_end


# ---------------------------------------------------------------- issue 20: Host header, kernels, errors

def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def _request(base: str, path: str, host: str, headers: dict | None = None, websocket: bool = False) -> int:
    """Status code of a request to ``path`` with the given Host header (a raw socket: urllib and the
    websocket clients set Host themselves)."""
    import base64
    import socket
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}"]
    if websocket:
        lines += ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13",
                  f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}"]
    else:
        lines.append("Connection: close")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    with socket.create_connection(("127.0.0.1", _port(base)), timeout=120) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status = sock.recv(65536).split(b"\r\n", 1)[0]
    return int(status.split()[1])


def _page_kernel(base: str, app: str = "claims") -> str:
    import re
    status, body = _status(f"{base}/voila/render/{app}.ipynb")
    assert status == 200
    return re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', body).group(1)


def test_foreign_host_header_is_refused(voila_url):
    """Item 6. A DNS-rebinding page sends its own name as Host and a matching Origin. Before: /voila/tree
    answered 200 and the kernel websocket upgraded (101), so such a page could drive the widgets."""
    port = _port(voila_url)
    kernel = _page_kernel(voila_url)
    channels = f"/api/kernels/{kernel}/channels"
    for host in (f"rebind.example:{port}", "rebind.example", f"127.0.0.1.rebind.example:{port}"):
        origin = {"Origin": f"http://{host}"}
        assert _request(voila_url, "/voila/tree", host, origin) == 403
        assert _request(voila_url, "/voila/render/claims.ipynb", host, origin) == 403
        assert _request(voila_url, channels, host, origin, websocket=True) == 403
    # the names the server was started for still work, the websocket included
    assert _request(voila_url, "/voila/tree", f"localhost:{port}") == 200
    assert _request(voila_url, "/voila/tree", f"127.0.0.1:{port}") == 200
    assert _request(voila_url, channels, f"127.0.0.1:{port}", {"Origin": f"http://127.0.0.1:{port}"},
                    websocket=True) == 101


def test_allowed_hosts_follow_host_and_allow_host():
    from rexlib.app.serve_app import allowed_hosts
    assert allowed_hosts("127.0.0.1") == {"127.0.0.1", "localhost"}
    assert allowed_hosts("0.0.0.0") == {"127.0.0.1", "localhost"}         # a wildcard names no host
    assert allowed_hosts("10.1.2.3", ["rex.example.org"]) == {"127.0.0.1", "localhost", "10.1.2.3", "rex.example.org"}


@pytest.mark.parametrize("path", ["/voila/templates/x", "/voila/templates/a/b", "/voila/templates/rex/static/",
                                  "/voila/templates/rex/static/no-such-file.js", "/voila/templates/..%2F..%2Fetc/static/passwd"])
def test_template_paths_that_do_not_exist_are_404(voila_url, path):
    """Item 7. Before: 500 (a failed assert or unpacking in Voila's handler, with a traceback in the log)."""
    assert _status(voila_url + path)[0] == 404


def _kernel_exists(base: str, kernel: str) -> bool:
    return _status(f"{base}/api/kernels/{kernel}")[0] == 200


def _wait_gone(base: str, kernel: str, seconds: float) -> float | None:
    started = time.time()
    while time.time() - started < seconds:
        if not _kernel_exists(base, kernel):
            return time.time() - started
        time.sleep(1)
    return None


def test_closing_a_directly_opened_tab_frees_its_kernel(browser, voila_url):
    """Item 2. A visitor who opens an app link directly (no tree page first) and closes the tab.
    Before: Voila's shutdown beacon was refused ('_xsrf' argument missing, 403) and the kernel stayed
    until the idle cull (15 min; busy kernels never). Now the page sets the cookie, so the beacon
    shuts the kernel down at once; and a tab closed without any beacon (a killed browser: here the
    context is closed, which runs no unload handler) loses its kernel once its websocket and heartbeat
    have been silent for --closed-tab-seconds (rex serve's default 45 s; the test server's 12 s)."""
    # Both visitors at once (two contexts, two kernels), so the beacon's check runs within the wait
    # for the silent tab's cull instead of before it.
    opened = {}
    for close in ("tab", "browser"):
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{voila_url}/voila/render/scenario.ipynb", timeout=180_000)
        page.wait_for_selector(LIVE_CHART, timeout=180_000)
        assert any(c["name"] == "_xsrf" for c in context.cookies())
        kernel = page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
        assert _kernel_exists(voila_url, kernel)
        opened[close] = (context, page, kernel)
    assert opened["tab"][2] != opened["browser"][2]
    context, page, kernel = opened["browser"]
    context.close()                                  # no unload handler runs: only the cull frees it
    closed_at = time.time()
    context, page, kernel = opened["tab"]
    page.close(run_before_unload=True)
    assert _wait_gone(voila_url, kernel, 15) is not None, "the shutdown beacon did not free the kernel"
    context.close()
    _, _, kernel = opened["browser"]
    assert _wait_gone(voila_url, kernel, 40 - (time.time() - closed_at)) is not None, \
        "the kernel of a closed browser outlived 40 s (12 s + checks)"


def test_kernel_limit_shows_a_busy_page_and_frees_up(browser):
    """Item 2. Beyond --max-kernels kernels in use a visitor gets "busy, retry in a moment" (503,
    Retry-After, a page that reloads itself), not another kernel; a place frees up when a page goes."""
    from .conftest import start_server, stop_server
    proc, base = start_server("voila-busy.log", "--max-kernels", "1", "--pool-size", "0", "--closed-tab-seconds", "8")
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{base}/voila/render/claims.ipynb", timeout=180_000)
        page.wait_for_selector(LIVE_CHART, timeout=180_000)
        try:
            urllib.request.urlopen(urllib.request.Request(f"{base}/voila/render/scenario.ipynb", headers=AS_A_PAGE),
                                   timeout=60)
            raise AssertionError("a second kernel was started beyond --max-kernels 1")
        except urllib.error.HTTPError as error:
            body = error.read().decode()
            assert error.code == 503 and error.headers["Retry-After"] == "15"
            assert "The server is busy" in body and "Retry in a moment" in body and 'http-equiv="refresh"' in body
        second = browser.new_context().new_page()
        second.goto(f"{base}/voila/render/scenario.ipynb", timeout=60_000)
        assert "The server is busy" in second.inner_text("body")
        context.close()                       # the first visitor leaves: within 8 s + a check, a place
        started = time.time()
        while time.time() - started < 60:
            status, _ = _status(f"{base}/voila/render/scenario.ipynb")
            if status == 200:
                break
            time.sleep(2)
        assert status == 200, "no place freed up after the first visitor left"
        second.context.close()
    finally:
        stop_server(proc)


def test_explore_sql_in_the_browser_no_traceback_over_the_websocket(page, voila_url):
    """Items 3-5 in the real page. Empty SQL says "Nothing to run" and the page keeps its other
    sections (before: "Something went wrong" and the traceback, with file paths, sent over the kernel
    websocket as stderr); a runaway query shows Running… and stops on Cancel while the page stays
    live; a large result is capped with a note; Excel is offered. No websocket frame carries a
    traceback, an error message or stderr output."""
    frames: list = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
    page.goto(f"{voila_url}/voila/render/explore.ipynb", timeout=180_000)
    page.wait_for_selector(LIVE_CHART, timeout=180_000)
    sql = page.locator(".rex-live textarea")
    section = page.locator(".rex-live .widget-html").filter(has_text="SQL result").first

    def run(text: str, wait_for: str, timeout: int = 60_000):
        sql.fill(text)
        page.locator(".rex-live button", has_text="Run SQL").click()
        page.wait_for_function("(t) => [...document.querySelectorAll('.rex-live .widget-html')]"
                               ".some(e => e.innerText.includes(t))", arg=wait_for, timeout=timeout)

    for text in ("", "-- only a comment"):
        run(text, "Nothing to run")
        assert "Table production" in page.inner_text(".rex-live")
    run("SELEC 1", "DuckDB could not run this query")
    run("CREATE TEMP TABLE t AS SELECT * FROM range(100000000)", "Not run")
    run("SELECT count(*) FROM range(1000000000000::BIGINT)", "Running…")
    page.locator(".rex-live button", has_text="Cancel").click()
    page.wait_for_function("() => document.querySelector('.rex-live').innerText.includes('Cancelled')", timeout=30_000)
    run("SELECT * FROM governance", "the first 50 shown", timeout=120_000)
    note = page.locator(".rex-live .rex-result-count").inner_text()
    assert "rex sql --csv" in note and "in the downloads" in note
    page.locator(".rex-live button", has_text="Excel download").click()
    page.wait_for_selector(".rex-live a[download='query_result.xlsx']", timeout=120_000)
    page.screenshot(path=str(Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "explore-sql.png"))
    assert section.count() == 1
    for payload in frames:
        data = payload if isinstance(payload, bytes) else payload.encode()
        assert b"Traceback" not in data and b'"msg_type": "error"' not in data and b'"msg_type":"error"' not in data
        assert not (b'"name": "stderr"' in data or b'"name":"stderr"' in data), data[:300]


def _children(pid: int) -> list[int]:
    """Every descendant process of ``pid`` (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


LIVE_CHART = ".rex-live .rex-chart svg.marks"
