"""Debian's nginx serving a published folder with deploy/nginx/rex.conf.template (issue 25): the
config rendered into a folder as deploy/README.md says (envsubst of the REX_ variables) inside a
minimal nginx.conf, nginx started in the foreground on a free port. The one way the tests
(tests/serve/test_nginx.py) and benchmarks (benchmarks/published.py) start it."""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import string
import subprocess
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1] / "deploy" / "nginx" / "rex.conf.template"


NO_NGINX = "nginx is not installed (apt-get install -y nginx; .ci/run installs it)"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render(values: dict[str, str]) -> str:
    """The template with the REX_ variables filled in (``envsubst '$REX_SITE ...'``: nginx's own
    ``$uri``, ``$host`` ... stay)."""
    text = string.Template(TEMPLATE.read_text(encoding="utf-8")).safe_substitute(values)
    assert "${REX_" not in text, "a REX_ variable of the template was not given"
    return text


def start_nginx(folder: Path, site: Path, upstreams: list[int]) -> tuple[subprocess.Popen, str]:
    """nginx serving ``site``, ``/voila/`` proxied to 127.0.0.1 on the ``upstreams`` ports; its
    config, logs and pid in ``folder``. Returns (process, base URL)."""
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError(NO_NGINX)
    port = free_port()
    (folder / "temp").mkdir(parents=True, exist_ok=True)
    (folder / "rex.conf").write_text(render({
        "REX_SITE": str(site), "REX_LISTEN": f"127.0.0.1:{port}", "REX_SERVER_NAME": "localhost",
        "REX_UPSTREAMS": " ".join(f"server 127.0.0.1:{p};" for p in upstreams)}), encoding="utf-8")
    temp = folder / "temp"
    # run as root (a container, CI), nginx's workers would be "nobody", who cannot read a private tmp dir
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(f"""daemon off;
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder}/access.log;
    client_body_temp_path {temp}; proxy_temp_path {temp}; fastcgi_temp_path {temp};
    uwsgi_temp_path {temp}; scgi_temp_path {temp};
    include {folder}/rex.conf;
}}
""", encoding="utf-8")
    args = [binary, "-c", str(folder / "nginx.conf"), "-p", str(folder) + "/", "-e", str(folder / "error.log")]
    check = subprocess.run([*args, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {proc.stderr.read().decode()} {(folder / 'error.log').read_text()}")
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("nginx did not listen within 20 s")


def stop_nginx(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
