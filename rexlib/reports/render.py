"""Render one report: execute the notebook with papermill, write the executed ``.ipynb``, the HTML
(and optionally a PDF), then the manifest, each atomically.

Runs in worker processes (``python -m rexlib.reports.render``, ``--workers`` of them, spawned by
``rexlib.reports.runner``): each job arrives as one JSON line on stdin and its result leaves as one
``REX-RESULT {json}`` line on stdout; every report gets a fresh kernel. A worker whose parent dies exits at once (its kernel follows:
ipykernel exits when its parent process goes), so a killed batch leaves no process behind and, as
every write is a rename of a finished temporary file, no half-written report.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from . import atomic

RESULT_MARK = "REX-RESULT "


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def files_for(folder: Path, slug: str) -> dict[str, Path]:
    return {"html": folder / f"{slug}.html", "ipynb": folder / f"{slug}.ipynb",
            "pdf": folder / f"{slug}.pdf", "manifest": folder / f"{slug}.manifest.json"}


def _error_text(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError
    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.exec_count or exc.cell_index}: {exc.ename}: {exc.evalue}"
    name = type(exc).__name__
    if name in ("CellTimeoutError", "TimeoutError"):
        return f"timed out: {exc}"
    if name == "DeadKernelError":
        return f"the kernel died: {exc}"
    return f"{name}: {exc}"


def print_pdf(html_path: Path, pdf_path: Path, chromium: str, timeout: float = 180) -> None:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium (atomic: temp file, then rename)."""
    tmp = atomic.temp_path(pdf_path)
    profile = tempfile.mkdtemp(prefix="rex-chromium-")
    try:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--no-pdf-header-footer",
               f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", html_path.resolve().as_uri()]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        if not tmp.exists() or tmp.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RuntimeError(f"chromium wrote no PDF (exit {proc.returncode}): {' | '.join(tail)}")
        atomic.replace_into(tmp, pdf_path)
    finally:
        if tmp.exists():
            tmp.unlink()
        shutil.rmtree(profile, ignore_errors=True)


def render(job: dict) -> dict:
    """Render ``job`` (see runner.job_spec) and return the manifest written beside the report."""
    import nbformat
    import papermill as pm

    folder = Path(job["folder"])
    atomic.make_dirs(folder)
    out = files_for(folder, job["slug"])
    manifest = {k: job[k] for k in ("notebook", "notebook_path", "notebook_sha256", "code_sha256", "params",
                                    "resolved", "slug", "date", "fingerprint", "built_at", "vintages",
                                    "rexlib_version")}
    manifest.update(status="failed", error=None, started_at=now_iso(), files={}, pdf_requested=bool(job.get("pdf")),
                    kernel=job["kernel_name"], python=sys.executable, timeout_s=job["timeout"])
    started = time.monotonic()
    tmp_nb = atomic.temp_path(out["ipynb"])
    executed = None
    try:
        try:
            pm.execute_notebook(job["notebook_path"], str(tmp_nb), parameters=job["params"],
                                kernel_name=job["kernel_name"], progress_bar=False, log_output=False,
                                cwd=str(Path(job["notebook_path"]).parent), execution_timeout=job["timeout"],
                                request_save_on_cell_execute=False)
            manifest["status"] = "ok"
        except atomic.OutputError:
            raise
        except OSError as exc:
            if exc.errno in atomic.FULL_OR_READ_ONLY:   # papermill writing the executed notebook
                raise atomic.OutputError(exc.filename or tmp_nb, exc) from exc
            manifest["error"] = _error_text(exc)
        except Exception as exc:  # the notebook failed: record it, keep the batch going
            manifest["error"] = _error_text(exc)
        if tmp_nb.exists():
            executed = nbformat.read(str(tmp_nb), as_version=4)
            atomic.replace_into(tmp_nb, out["ipynb"])
            manifest["files"]["ipynb"] = out["ipynb"].name
        manifest["rendered_at"] = now_iso()
        if manifest["status"] == "ok":
            from .html import external_resources, to_html
            page = to_html(executed, manifest)
            remote = external_resources(page)
            if remote:
                raise RuntimeError(f"the page would load from the network: {remote[:2]}")
            atomic.write_text(out["html"], page)
            manifest["files"]["html"] = out["html"].name
            manifest["html_bytes"] = len(page.encode("utf-8"))
            if job.get("pdf"):
                try:
                    print_pdf(out["html"], out["pdf"], job["pdf"])
                    manifest["files"]["pdf"] = out["pdf"].name
                except atomic.OutputError:
                    raise
                except Exception as exc:
                    manifest["status"] = "failed"
                    manifest["error"] = f"PDF: {type(exc).__name__}: {exc}"
    except atomic.OutputError:
        raise
    except Exception as exc:
        manifest["status"] = "failed"
        manifest["error"] = manifest.get("error") or _error_text(exc)
        manifest["traceback"] = traceback.format_exc(limit=6)
    finally:
        if tmp_nb.exists():
            tmp_nb.unlink()
    manifest["seconds"] = round(time.monotonic() - started, 2)
    manifest["finished_at"] = now_iso()
    atomic.write_text(out["manifest"], json.dumps(manifest, indent=1, default=str))
    return manifest


def _exit_with_parent() -> None:
    """Exit when the process that started this worker goes away (SIGKILLed batch)."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(137)
    threading.Thread(target=watch, name="rex-parent-watch", daemon=True).start()


def _render_safely(job: dict) -> dict:
    try:
        return render(job)
    except atomic.OutputError as exc:
        return {"status": "output-error", "error": str(exc)}
    except Exception as exc:   # a bug here must still reach the index as a failed report
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(limit=6)}


def main(argv: list[str] | None = None) -> int:
    """Read jobs, one JSON object per line on stdin, until EOF; answer each with a result line.

    One worker renders many reports in turn (each in a fresh kernel), so the imports (papermill,
    nbconvert: a few seconds) are paid once per worker, not once per report."""
    import logging
    logging.getLogger("papermill").setLevel(logging.ERROR)
    _exit_with_parent()
    for line in sys.stdin:
        if not line.strip():
            continue
        result = _render_safely(json.loads(line))
        sys.stdout.write(RESULT_MARK + json.dumps(result, default=str) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
