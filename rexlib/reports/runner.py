"""Run a list of validated jobs: skip the up-to-date ones, render the rest in parallel worker
processes, keep the date's index current, and summarise.

``workers`` long-lived ``python -m rexlib.reports.render`` processes render the reports, one at a
time each, every report in a fresh Jupyter kernel. A failing notebook is recorded (manifest + index) and the batch goes on; an
unwritable or full output folder stops the batch (no new reports start) and is reported as such.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import atomic
from .index import update_latest, write_index
from .params import Job, file_sha256
from .render import RESULT_MARK, files_for, now_iso

KERNEL_NAME = "rex-report-python"

# Code that shapes what a report shows besides the notebook itself; a change re-renders. Notebooks
# that call a rexlib.app.ui app depend on the app framework; others only on the query API.
APP_CODE = ("app/ui", "charts", "metrics", "query", "core", "reports/html.py")
API_CODE = ("query", "core", "reports/html.py")


@dataclass
class Options:
    output: Path
    date: str
    workers: int
    force: bool = False
    pdf: str | None = None          # chromium executable when --pdf
    timeout: int = 600              # per notebook (execution, per cell) and x2 wall clock per report
    quiet: bool = False


@dataclass
class Outcome:
    job: Job
    status: str                     # ok | failed | up-to-date | not-rendered | output-error | cancelled
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Summary:
    date_dir: Path
    outcomes: list[Outcome] = field(default_factory=list)
    output_error: str | None = None
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]


# ----------------------------------------------------------------------- environment

def data_info() -> dict:
    """The database build the reports are rendered from (data/derived/build_info.json)."""
    from rexlib.core.paths import derived_dir
    path = derived_dir() / "build_info.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = {}
    return {"fingerprint": info.get("fingerprint"), "built_at": info.get("built_at"),
            "rexlib_version": info.get("rexlib_version")}


def code_sha256(notebook: Path) -> str:
    """Hash of the rexlib code the notebook's output depends on (see APP_CODE / API_CODE)."""
    import nbformat
    from rexlib.core.paths import PROJECT
    nb = nbformat.read(str(notebook), as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    base = PROJECT / "rexlib"
    digest = hashlib.sha256()
    for rel in (APP_CODE if re.search(r"rexlib\.(app\.)?ui\b", source) else API_CODE):
        path = base / rel
        files = sorted(path.rglob("*.py")) if path.is_dir() else ([path] if path.is_file() else [])
        for f in files:
            digest.update(str(f.relative_to(base)).encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()


_vintage_cache: dict = {}


def vintages(params: dict) -> list[str]:
    """The publisher releases behind a report: for a mineral, the vintages of its rows; else all."""
    from rexlib.query.warehouse import query
    mineral = params.get("mineral") if isinstance(params.get("mineral"), str) else None
    if mineral in _vintage_cache:
        return _vintage_cache[mineral]
    tables = query("SELECT t.table_name, bool_or(c2.column_name = 'mineral_id') AS has_mineral "
                   "FROM information_schema.columns t JOIN information_schema.columns c2 USING (table_name) "
                   "WHERE t.column_name = 'vintage' AND t.table_name NOT LIKE '%_latest' GROUP BY 1 ORDER BY 1")
    parts, args = [], []
    for name, has_mineral in zip(tables["table_name"], tables["has_mineral"]):
        if mineral is not None and not has_mineral:
            continue
        sql = f'SELECT DISTINCT vintage FROM "{name}" WHERE vintage IS NOT NULL'
        if mineral is not None:
            sql += " AND mineral_id = ?"
            args.append(mineral)
        parts.append(sql)
    found = sorted(set(query(" UNION ".join(parts), args)["vintage"])) if parts else []
    _vintage_cache[mineral] = [str(v) for v in found]
    return _vintage_cache[mineral]


# Temporary folders of a run carry its process id, so the next run can tell a dead run's folders
# (SIGKILL, SIGTERM: no ``finally`` ran) from a live concurrent run's and remove them.
TEMP_PREFIXES = ("rex-kernels-", "rex-report-logs-")


def _temp_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:       # someone else's process: alive, and not ours to judge
        return True
    return True


def clean_stale_temp_dirs(root: Path | None = None, legacy_age: float = 3600.0) -> list[Path]:
    """Remove the temporary folders (kernelspec, kernel connection files, worker logs) of runs that
    are no longer running; returns what was removed. A folder named without a process id (older
    versions) is removed once it is ``legacy_age`` seconds old."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    for prefix in TEMP_PREFIXES:
        for path in root.glob(prefix + "*"):
            if not path.is_dir() or path.is_symlink():
                continue
            try:
                if path.stat().st_uid != os.getuid():
                    continue
                head = path.name[len(prefix):].split("-", 1)[0]
                stale = (not _pid_alive(int(head))) if head.isdigit() else \
                    time.time() - path.stat().st_mtime > legacy_age
            except OSError:
                continue
            if stale:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


@contextmanager
def kernelspec():
    """A private kernelspec that runs *this* interpreter's ipykernel (whatever ``python3`` would
    resolve to elsewhere), put on JUPYTER_PATH for the workers; ``runtime/`` and ``tmp/`` beside it
    are the workers' JUPYTER_RUNTIME_DIR and TMPDIR, where the kernels' connection files are written,
    so that they go with the folder."""
    folder = _temp_dir("rex-kernels-")
    try:
        (folder / "runtime").mkdir(mode=0o700)
        (folder / "tmp").mkdir(mode=0o700)
        spec = folder / "kernels" / KERNEL_NAME
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": f"rex reports ({sys.executable})", "language": "python",
            "metadata": {"debugger": False}}))
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def output_lock(root: Path, quiet: bool = False):
    """One ``rex report`` per output folder at a time (a second one waits)."""
    import fcntl
    path = root / ".rex-report.lock"
    try:
        handle = open(path, "a+")
    except OSError as exc:
        raise atomic.OutputError(path, exc) from exc
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not quiet:
                print(f"rex report: another run is writing to {root}; waiting for it to finish...",
                      file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()


# ----------------------------------------------------------------------- per job

def job_spec(job: Job, opts: Options, data: dict, code_hash: str) -> dict:
    """Everything a worker needs to render ``job`` (JSON-able)."""
    return {"notebook": job.notebook, "notebook_path": str(job.path), "notebook_sha256": file_sha256(job.path),
            "code_sha256": code_hash, "params": job.params, "resolved": job.resolved, "slug": job.slug,
            "date": opts.date, "folder": str(opts.output / opts.date / job.notebook),
            "fingerprint": data["fingerprint"], "built_at": data["built_at"],
            "rexlib_version": data.get("rexlib_version") or _version(), "vintages": vintages(job.resolved),
            "kernel_name": KERNEL_NAME, "timeout": opts.timeout, "pdf": opts.pdf}


def _version() -> str:
    from .. import __version__
    return __version__


def up_to_date(spec: dict, need_pdf: bool) -> bool:
    files = files_for(Path(spec["folder"]), spec["slug"])
    try:
        old = json.loads(files["manifest"].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    same = all(old.get(k) == spec[k] for k in ("fingerprint", "notebook_sha256", "code_sha256", "params"))
    return (same and old.get("status") == "ok" and files["html"].exists() and files["ipynb"].exists()
            and (not need_pdf or files["pdf"].exists()))


def write_not_rendered(job: Job, opts: Options, data: dict) -> None:
    folder = atomic.make_dirs(opts.output / opts.date / job.notebook)
    files = files_for(folder, job.slug)
    atomic.write_text(files["manifest"], json.dumps({
        "notebook": job.notebook, "notebook_path": str(job.path), "params": job.params, "resolved": job.resolved,
        "slug": job.slug, "date": opts.date, "status": "not-rendered", "error": job.unsupported,
        "fingerprint": data["fingerprint"], "built_at": data["built_at"], "vintages": [],
        "rendered_at": now_iso(), "files": {}}, indent=1))


class WorkerProcess:
    """One long-lived ``python -m rexlib.reports.render`` process; renders one job at a time."""

    def __init__(self, env: dict, log_dir: Path, number: int):
        self.log_path = log_dir / f"worker-{number}.log"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "rexlib.reports.render"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=log, env=env)
        self.killed = self.timed_out = self.cancelled = False

    def alive(self) -> bool:
        return self.proc.poll() is None and not self.killed

    def render(self, spec: dict) -> dict:
        wall = spec["timeout"] * 2 + 60
        mark = self.log_path.stat().st_size
        timer = threading.Timer(wall, self._time_out)
        timer.daemon = True
        timer.start()
        try:
            self.proc.stdin.write((json.dumps(spec) + "\n").encode())
            self.proc.stdin.flush()
            while True:
                line = self.proc.stdout.readline()
                if not line:
                    break
                text = line.decode("utf-8", "replace")
                if text.startswith(RESULT_MARK):
                    return json.loads(text[len(RESULT_MARK):])
        except (BrokenPipeError, OSError):
            pass
        finally:
            timer.cancel()
        self.kill()
        if self.cancelled:
            return {"status": "cancelled", "error": "interrupted"}
        if self.timed_out:
            return {"status": "failed", "error": f"timed out after {wall} s (report process killed)"}
        with open(self.log_path, "rb") as log:
            log.seek(mark)
            tail = "\n".join(log.read().decode("utf-8", "replace").strip().splitlines()[-8:])
        return {"status": "failed", "error": f"the report process died (exit {self.proc.returncode}): {tail}"}

    def _time_out(self) -> None:
        self.timed_out = True
        self.kill()

    def cancel(self) -> None:
        self.cancelled = True
        self.kill()

    def kill(self) -> None:
        self.killed = True
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGKILL)
            except OSError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()


class WorkerPool:
    """Up to ``size`` worker processes, started on demand and reused; a dead one is replaced."""

    def __init__(self, size: int, env: dict, log_dir: Path):
        self.size, self.env, self.log_dir = size, env, log_dir
        self.idle: list[WorkerProcess] = []
        self.all: list[WorkerProcess] = []
        self.lock = threading.Lock()
        self.cancelled = False

    def render(self, spec: dict) -> dict:
        with self.lock:
            if self.cancelled:
                return {"status": "cancelled", "error": "interrupted"}
            worker = self.idle.pop() if self.idle else None
            if worker is None or not worker.alive():
                worker = WorkerProcess(self.env, self.log_dir, len(self.all) + 1)
                self.all.append(worker)
        result = worker.render(spec)
        with self.lock:
            if worker.alive():
                self.idle.append(worker)
        return result

    def cancel(self) -> None:
        with self.lock:
            self.cancelled = True
            workers = list(self.all)
        for worker in workers:
            worker.cancel()

    def close(self) -> None:
        for worker in self.all:
            worker.close()


def _record_crash(spec: dict, result: dict) -> None:
    """A worker that died before writing its manifest: write one, so the index shows the failure."""
    files = files_for(Path(spec["folder"]), spec["slug"])
    manifest = {k: spec[k] for k in ("notebook", "notebook_path", "notebook_sha256", "code_sha256", "params",
                                     "resolved", "slug", "date", "fingerprint", "built_at", "vintages")}
    manifest.update(status="failed", error=result.get("error"), traceback=result.get("traceback"),
                    rendered_at=now_iso(), files={})
    atomic.make_dirs(files["manifest"].parent)
    atomic.write_text(files["manifest"], json.dumps(manifest, indent=1, default=str))


# ----------------------------------------------------------------------- progress

class Progress:
    def __init__(self, total: int, quiet: bool):
        self.total, self.done, self.quiet = total, 0, quiet
        self.bar = None
        if not quiet and total and sys.stderr.isatty():
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, unit="report", file=sys.stderr, dynamic_ncols=True)
            except ImportError:
                self.bar = None

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        line = (f"[{self.done:>{len(str(self.total))}}/{self.total}] {outcome.status:<11} {outcome.job.label()}"
                + (f"  {outcome.seconds:.1f} s" if outcome.seconds else "")
                + (f"  -- {outcome.error.splitlines()[0][:200]}" if outcome.error and outcome.status != "not-rendered"
                   else ""))
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.set_postfix_str(outcome.job.label()[:40])
            if outcome.status == "failed":
                self.bar.write(line, file=sys.stderr)
            self.bar.update(1)
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ----------------------------------------------------------------------- the batch

def run(jobs: list[Job], opts: Options) -> Summary:
    """Render ``jobs`` into ``opts.output/opts.date``. Raises atomic.OutputError when the output
    folder cannot be written at all (before anything is rendered)."""
    started = time.monotonic()
    root = opts.output
    atomic.probe_writable(root)
    date_dir = atomic.make_dirs(root / opts.date)
    summary = Summary(date_dir=date_dir)
    clean_stale_temp_dirs()
    with output_lock(root, opts.quiet), kernelspec() as spec_dir:
        atomic.clean_stale_temps(root)
        data = data_info()
        code_hashes: dict[Path, str] = {}
        env = dict(os.environ)
        env["JUPYTER_PATH"] = os.pathsep.join([str(spec_dir), env.get("JUPYTER_PATH", "")]).rstrip(os.pathsep)
        env["JUPYTER_RUNTIME_DIR"] = str(spec_dir / "runtime")
        env["TMPDIR"] = str(spec_dir / "tmp")          # nbclient writes connection files there
        env["PYTHONUNBUFFERED"] = "1"
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

        progress = Progress(len(jobs), opts.quiet)
        todo: list[tuple[Job, dict]] = []
        for job in jobs:
            if job.unsupported:
                write_not_rendered(job, opts, data)
                outcome = Outcome(job, "not-rendered", job.unsupported)
                summary.outcomes.append(outcome)
                progress.update(outcome)
                continue
            if job.path not in code_hashes:
                code_hashes[job.path] = code_sha256(job.path)
            spec = job_spec(job, opts, data, code_hashes[job.path])
            if not opts.force and up_to_date(spec, bool(opts.pdf)):
                outcome = Outcome(job, "up-to-date")
                summary.outcomes.append(outcome)
                progress.update(outcome)
                continue
            todo.append((job, spec))
        if todo:
            write_index(date_dir, now_iso())
            update_latest(root)

        running: dict[Future, tuple[Job, dict]] = {}
        queue = list(todo)
        slots = max(1, min(opts.workers, len(todo) or 1))
        log_dir = _temp_dir("rex-report-logs-")
        workers = WorkerPool(slots, env, log_dir)
        pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="rex-report")
        try:
            while queue or running:
                while queue and len(running) < slots and summary.output_error is None:
                    job, spec = queue.pop(0)
                    running[pool.submit(workers.render, spec)] = (job, spec)
                if not running:
                    break
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    job, spec = running.pop(future)
                    result = future.result()
                    status = result.get("status", "failed")
                    if status == "output-error":
                        summary.output_error = summary.output_error or result.get("error")
                    elif status == "failed" and "notebook" not in result:
                        try:
                            _record_crash(spec, result)
                        except atomic.OutputError as exc:
                            summary.output_error = summary.output_error or str(exc)
                    outcome = Outcome(job, status, result.get("error"), float(result.get("seconds") or 0))
                    summary.outcomes.append(outcome)
                    progress.update(outcome)
                    try:
                        write_index(date_dir, now_iso())
                    except atomic.OutputError as exc:
                        summary.output_error = summary.output_error or str(exc)
                if summary.output_error and queue:
                    for job, _spec in queue:
                        summary.outcomes.append(Outcome(job, "cancelled", "not started: output folder unwritable"))
                    queue.clear()
        except BaseException:
            workers.cancel()
            raise
        finally:
            pool.shutdown(wait=True)
            workers.close()
            shutil.rmtree(log_dir, ignore_errors=True)
            progress.close()
            try:
                write_index(date_dir, now_iso())
                update_latest(root)
            except atomic.OutputError as exc:
                summary.output_error = summary.output_error or str(exc)
    summary.seconds = time.monotonic() - started
    return summary
