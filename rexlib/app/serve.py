"""``rex serve``: the published site (``rex publish``) at ``/`` and the Voila apps in notebooks/ under
``/voila/`` (preheated kernels, no tracebacks, no sources).

    python -m rexlib.app.serve --port 8866 --no-browser
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rexlib.core.paths import PROJECT
from .publish import PUBLISHED

NOTEBOOKS = PROJECT / "notebooks"
CONFIG_DIR = Path(__file__).resolve().parent / "voila_config"
TEMPLATES = CONFIG_DIR / "jupyter"     # a Jupyter data dir: voila/templates/rex


SERVE_HELP = """\
Serve the published site (rex publish: every view of the read-only apps as a static page) at / and the
live apps in notebooks/ with Voila under /voila/: preheated kernels, no notebook sources, no tracebacks
in the page. Pages not published yet are published in the background; one asked for before that is
rendered on request. A link to a published view in the old form (/voila/render/APP.ipynb?...) opens its
page; add live=1 for the live app. By default only this machine can connect (127.0.0.1) and only requests whose Host header
names 127.0.0.1, localhost or the --host value are answered; there is no login. See the README's
security section before serving on a shared host."""

SERVE_EXAMPLES = """\
examples:
  rex serve                              # http://127.0.0.1:8866/, opens a browser
  rex serve --no-browser --port 9000
  rex serve --pool-size 2 --no-browser   # two preheated kernels per app
  rex serve --pool explore=2             # two preheated kernels for the SQL app
  rex serve --old-links live             # /voila/render/... links open the live apps (what the live-app tests drive)"""


# Preheated kernels per app (beyond them, a visitor's kernel starts on request, a few seconds). The
# read-only apps are answered by their published pages (rex publish): their live apps ("Open in the
# live app") keep none; the apps that compute for the visitor (explore, scenario, a country profile
# with add/remove) keep one each. (Before publishing, ten visitors at once on a shared profile link
# needed ten preheated mineral_profile kernels, ~3 GB, and a refiller deferring their replacement.)
PUBLISHED_POOLS: dict[str, int] = {app: 0 for app in PUBLISHED if app != "country_profile"}


def pools_config(pool_size: int, pools: dict[str, int]) -> dict:
    """Voila's ``kernel_pools_config``: every app ``pool_size`` kernels, the apps in ``pools`` theirs."""
    config = {"default": {"pool_size": max(pool_size, 0), "kernel_env_variables": {}}}
    for app, size in pools.items():
        config[f"{app}.ipynb"] = {"pool_size": max(size, 0), "kernel_env_variables": {}}
    return config


def voila_argv(host: str, port: int, open_browser: bool, notebooks: Path = NOTEBOOKS,
               pool_size: int = 1, cull_idle_seconds: int = 900, *, pools: dict[str, int] | None = None,
               allow_hosts: tuple = (), max_kernels: int = 24, closed_tab_seconds: float = 45.0,
               first_contact_seconds: float = 180.0, site_dir: str = "",
               old_links: str = "published") -> list[str]:
    """Command-line flags for Voila 0.5 (see ``voila --help-all``) and rex's guards
    (``rexlib.app.serve_app.RexVoila``)."""
    pools = PUBLISHED_POOLS if pools is None else pools
    return [
        str(notebooks),
        f"--Voila.ip={host}",
        f"--Voila.port={port}",
        f"--Voila.open_browser={open_browser}",
        "--Voila.port_retries=0",
        # Our voila.json lives next to this module (template theme, pool config).
        "--Voila.config_file_paths", str(CONFIG_DIR),
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.preheat_kernel=True",
        f"--VoilaConfiguration.default_pool_size={pool_size}",
        f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools_config(pool_size, pools))}",
        # Preheat and progressive rendering exclude each other; say which one we use.
        "--VoilaConfiguration.progressive_rendering=False",
        # Idle kernels (closed tabs) are shut down; busy ones are not.
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_seconds}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
        "--MappingKernelManager.cull_busy=False",
        # The landing page is light: no pool kept for it. The research notebooks (notebooks/research)
        # are read in JupyterLab, not offered as apps: no pool either (they held 3 of the 12 kernels
        # started with the server, ~1 GB and ~15 CPU s).
        "--VoilaKernelManager.preheat_denylist", "index.ipynb",
        "--VoilaKernelManager.preheat_denylist", "research/",
        # A kernel handed out is replaced after a second.
        "--VoilaKernelManager.fill_delay=1",
        # Many visitors at once on few cores: a kernel may need more than the 60 s defaults to start
        # and to answer the page's kernel_info request (20 sessions on 2 cores: up to ~2 min).
        "--VoilaExecutor.startup_timeout=600",
        "--MappingKernelManager.kernel_info_timeout=600",
        # After a cell finishes nbclient waits iopub_timeout (default 4 s) for its outputs, then gives
        # up and the page can stay at "Executing 3 of 3"; under load the app's HTML takes longer.
        "--VoilaExecutor.iopub_timeout=120",
        # Kernels talk to the server over Unix sockets named after their connection file, not TCP
        # ports: with TCP each new kernel is handed five "free" ports that another kernel starting at
        # the same moment can bind first ("ZMQError: Address already in use"); the kernel dies and
        # its page never completes (seen with 20 sessions opened at once). Also nothing listens on
        # a network port but the web server.
        "--KernelManager.transport=ipc",
        # rex's guards (rexlib/app/serve_app.py): Host names, kernels per server, closed tabs.
        f"--RexVoila.rex_allowed_hosts={list(allow_hosts)!r}",
        f"--RexVoila.rex_max_kernels={max_kernels}",
        f"--RexVoila.rex_closed_tab_seconds={closed_tab_seconds}",
        f"--RexVoila.rex_first_contact_seconds={first_contact_seconds}",
        f"--RexVoila.rex_site_dir={site_dir}",
        f"--RexVoila.rex_old_links={old_links}",
    ]


def background_publish(site: Path):
    """``rex publish --out SITE`` in a process of its own, one worker at low priority (visitors first),
    stopped with the server. It renders only what is missing or out of date."""
    import atexit
    import subprocess
    proc = subprocess.Popen([sys.executable, "-m", "rexlib.app.publish", "--out", str(site), "--workers", "1"],
                            preexec_fn=lambda: os.nice(10), stdout=subprocess.DEVNULL)

    def stop():
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    atexit.register(stop)
    return proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rex serve", formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description=SERVE_HELP, epilog=SERVE_EXAMPLES)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--pool-size", type=int, default=None, metavar="N",
                        help="preheated kernels per app (default: one for each app that computes for the "
                             "visitor, none for the published ones, one for every app with --old-links live; "
                             "given, N for every app not named by --pool)")
    parser.add_argument("--pool", action="append", default=[], metavar="APP=N",
                        help="preheated kernels for one app (repeatable; default: one for each app that "
                             "computes for the visitor, none for the published ones; APP=0 keeps none)")
    parser.add_argument("--cull-idle", type=int, default=900,
                        help="also shut down kernels idle this many seconds (default 900)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="also accept requests whose Host header is NAME (repeatable; e.g. the name "
                             "a proxy forwards); by default only 127.0.0.1, localhost and --host")
    parser.add_argument("--max-kernels", type=int, default=24, metavar="N",
                        help="kernels in use by visitors at most (default 24, about 8 GB); beyond it a "
                             "visitor gets a 'busy, retry in a moment' page; 0: no limit")
    parser.add_argument("--closed-tab-seconds", type=float, default=45.0, metavar="S",
                        help="shut down a kernel whose page has had no connection and no heartbeat "
                             "for S seconds (default 45)")
    parser.add_argument("--first-contact-seconds", type=float, default=180.0, metavar="S",
                        help="the same for a page that was sent but has not connected yet (still "
                             "loading its scripts, or closed before they ran; default 180)")
    parser.add_argument("--site", type=Path, default=None, metavar="DIR",
                        help="the published site served at / (default: rex publish's folder, data/derived/site)")
    parser.add_argument("--no-publish", action="store_true",
                        help="do not publish missing pages in the background (pages are still rendered "
                             "when first asked for)")
    parser.add_argument("--old-links", choices=("published", "live"), default="published",
                        help="published (default): /voila/render/APP.ipynb?... of a published view opens its "
                             "page (add live=1 for the live app); live: the live app answers, as before")
    parser.add_argument("--no-preheat", action="store_true",
                        help="start a kernel per visit instead of keeping preheated ones (slower first view)")
    args = parser.parse_args(argv)
    # (with --old-links live every app's links open its live app: one preheated kernel each)
    pools = dict(PUBLISHED_POOLS) if args.pool_size is None and args.old_links == "published" else {}
    pool_size = 1 if args.pool_size is None else args.pool_size
    for item in args.pool:
        app, _, size = item.partition("=")
        if not (NOTEBOOKS / f"{app}.ipynb").exists() or not size.isdigit():
            parser.error(f"--pool {item!r}: expected APP=N with APP one of "
                         f"{', '.join(sorted(p.stem for p in NOTEBOOKS.glob('*.ipynb')))}")
        pools[app] = int(size)

    # Build the database once here, not in every preheated kernel at the same time.
    from rexlib.query.warehouse import ensure_built
    ensure_built()
    # Preheated kernels ask the server for their request (URL query string) over a websocket at
    # VOILA_APP_IP; kernels inherit this environment.
    os.environ["VOILA_APP_IP"] = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    # (their Host header is that address: accepted by the Host check of rexlib/app/serve_app.py)
    # Kernels must not pick up a stray query string from the shell that started the server.
    os.environ.pop("QUERY_STRING", None)
    # Our Voila template (rex: lab + the app's first view shown as HTML) lives in voila_config/jupyter.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(TEMPLATES), os.environ.get("JUPYTER_PATH")]))
    # Kernels use the project's package even when started from elsewhere.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))

    from .serve_app import WILDCARDS, RexVoila
    if args.host in WILDCARDS and not args.allow_host:
        print(f"rex serve: listening on every interface ({args.host or 'all'}), but only requests for "
              "127.0.0.1 and localhost are answered; add --allow-host NAME for the names visitors use "
              "(and read the README's security section first).", file=sys.stderr)
    from .publish import default_out
    site = Path(args.site or default_out()).resolve()
    site.mkdir(parents=True, exist_ok=True)
    if not args.no_publish:
        background_publish(site)
    argv = voila_argv(args.host, args.port, not args.no_browser, pool_size=pool_size,
                      cull_idle_seconds=args.cull_idle, pools=pools, allow_hosts=tuple(args.allow_host),
                      max_kernels=args.max_kernels, closed_tab_seconds=args.closed_tab_seconds,
                      first_contact_seconds=args.first_contact_seconds,
                      site_dir=str(site), old_links=args.old_links)
    if args.no_preheat:
        argv = [a for a in argv if not a.startswith("--VoilaConfiguration.preheat_kernel")]
        argv.append("--VoilaConfiguration.preheat_kernel=False")
    RexVoila.launch_instance(argv=argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
