"""The index page of one date (``reports/<date>/index.html`` + ``index.json``) and ``reports/latest``.

The index is rebuilt from the per-report manifests on disk after every finished report, so it is
always true to what the folder holds, also after an interrupted run.
"""
from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

from . import atomic

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

STATUS_TEXT = {"ok": "ok", "failed": "FAILED", "not-rendered": "not rendered"}


def manifests(date_dir: Path) -> list[dict]:
    out = []
    for path in sorted(Path(date_dir).glob("*/*.manifest.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        data["_dir"] = path.parent.name
        out.append(data)
    out.sort(key=lambda m: (m.get("status") != "failed", m.get("notebook", ""), m.get("slug", "")))
    return out


def _params_text(params: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in (params or {}).items()) or "(defaults)"


def _row(m: dict) -> str:
    e = html.escape
    status = m.get("status", "?")
    files = m.get("files") or {}
    links = []
    base = f'{m["_dir"]}/'
    if status == "ok" and files.get("html"):
        links.append(f'<a href="{e(base + files["html"])}">HTML</a>')
    if files.get("pdf"):
        links.append(f'<a href="{e(base + files["pdf"])}">PDF</a>')
    if files.get("ipynb"):
        links.append(f'<a href="{e(base + files["ipynb"])}">ipynb</a>')
    error = m.get("error") or ""
    detail = ""
    if error:
        detail = (f'<details><summary>{e(error.splitlines()[0][:160])}</summary>'
                  f'<pre>{e(error)}{e(chr(10) + m["traceback"]) if m.get("traceback") else ""}</pre></details>')
    params = _params_text(m.get("params"))
    if status == "ok" and files.get("html"):
        title = f'<a href="{e(base + files["html"])}">{e(params)}</a>'
    else:
        title = e(params)
    vintages = ", ".join(m.get("vintages") or []) or "—"
    seconds = m.get("seconds")
    return (f'<tr class="st-{e(status)}" data-status="{e(status)}" data-notebook="{e(m.get("notebook", ""))}" '
            f'data-slug="{e(m.get("slug", ""))}">'
            f'<td>{e(m.get("notebook", ""))}</td><td>{title}</td>'
            f'<td class="status">{e(STATUS_TEXT.get(status, status))}{detail}</td>'
            f'<td>{e(vintages)}</td>'
            f'<td>{e(str(m.get("built_at") or ""))}<br><code>{e(str(m.get("fingerprint") or ""))}</code></td>'
            f'<td>{e(str(m.get("rendered_at") or ""))}'
            f'{"<br>" + e(f"{seconds:.1f} s") if isinstance(seconds, (int, float)) else ""}</td>'
            f'<td>{" · ".join(links)}</td></tr>')


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>rex reports {date}</title>
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style>
body{{font-family:Helvetica,Arial,sans-serif;color:#1d2731;margin:20px;font-size:13.5px}}
h1{{font-size:22px;margin:0 0 4px 0}} .muted{{color:#5f6b76}}
table{{border-collapse:collapse;margin-top:12px;width:100%}}
th{{background:#f3f5f7;text-align:left;padding:4px 8px;border-bottom:1px solid #d5dbe0;position:sticky;top:0}}
td{{padding:4px 8px;border-bottom:1px solid #eef0f2;vertical-align:top}}
tr.st-failed td{{background:#fdecea}} tr.st-failed td.status{{color:#c0392b;font-weight:bold}}
tr.st-not-rendered td{{color:#5f6b76}}
td.status pre{{white-space:pre-wrap;font-size:11.5px;max-width:640px;font-weight:normal;color:#1d2731}}
.summary span{{display:inline-block;margin-right:14px;padding:2px 8px;border-radius:10px;background:#eef2f6}}
.summary .bad{{background:#fdecea;color:#c0392b;font-weight:bold}}
a{{color:#1f6fb2}}
</style></head><body>
<h1>rex reports · {date}</h1>
<div class="muted">Generated {generated} by <code>rex report</code>. Each report was rendered from the
notebook with the parameters shown, on the database build named (built-at time and fingerprint);
the data vintage is the publisher release(s) the report's numbers come from.</div>
<p class="summary" id="summary">{summary}</p>
<table id="reports"><thead><tr><th>Notebook</th><th>Parameters</th><th>Status</th><th>Data vintage</th>
<th>Database build</th><th>Rendered</th><th>Files</th></tr></thead>
<tbody>
{rows}
</tbody></table>
{older}
</body></html>
"""


def write_index(date_dir: Path, generated: str) -> dict:
    """Write ``index.html`` and ``index.json`` for one date folder; returns the counts."""
    date_dir = Path(date_dir)
    items = manifests(date_dir)
    counts: dict[str, int] = {}
    for m in items:
        counts[m.get("status", "?")] = counts.get(m.get("status", "?"), 0) + 1
    parts = [f'<span class="{"bad" if k == "failed" else ""}" data-count="{html.escape(k)}">'
             f'{html.escape(STATUS_TEXT.get(k, k))}: {v}</span>' for k, v in sorted(counts.items())]
    parts.insert(0, f"<span>reports: {len(items)}</span>")
    root = date_dir.parent
    dates = sorted((p.name for p in root.iterdir() if p.is_dir() and DATE_RE.match(p.name)), reverse=True)
    others = [d for d in dates if d != date_dir.name][:30]
    older = ("<p class=\"muted\">Other dates: " + " · ".join(
        f'<a href="../{d}/index.html">{d}</a>' for d in others) + "</p>") if others else ""
    page = PAGE.format(date=html.escape(date_dir.name), generated=html.escape(generated), summary="".join(parts),
                       rows="\n".join(_row(m) for m in items), older=older)
    atomic.write_text(date_dir / "index.html", page)
    public = [{k: v for k, v in m.items() if not k.startswith("_")} for m in items]
    atomic.write_text(date_dir / "index.json", json.dumps({"date": date_dir.name, "generated": generated,
                                                           "counts": counts, "reports": public},
                                                          indent=1, default=str))
    return counts


def update_latest(root: Path) -> Path | None:
    """Point ``root/latest`` at the newest date folder that has an index (symlink, replaced
    atomically; where symlinks fail, ``latest/index.html`` redirects there instead)."""
    root = Path(root)
    dates = sorted(p.name for p in root.iterdir()
                   if p.is_dir() and not p.is_symlink() and DATE_RE.match(p.name) and (p / "index.html").exists())
    if not dates:
        return None
    newest = dates[-1]
    link = root / "latest"
    tmp = atomic.temp_path(link)
    try:
        os.symlink(newest, tmp, target_is_directory=True)
        if link.exists() and not link.is_symlink() and link.is_dir():
            _remove_redirect_dir(link)
        os.replace(tmp, link)
        atomic.fsync_dir(root)
        return link
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    # No symlinks here (some network/Windows file systems): a redirect page instead.
    if link.is_symlink():
        link.unlink()
    atomic.make_dirs(link)
    atomic.write_text(link / "index.html", (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url=../{newest}/index.html">'
        f'<title>latest rex reports: {newest}</title></head><body>'
        f'<a href="../{newest}/index.html">Latest reports: {newest}</a></body></html>'))
    return link


def _remove_redirect_dir(link: Path) -> None:
    """Replace a fallback redirect folder by the symlink (only ever holds our index.html)."""
    for child in link.iterdir():
        if child.name == "index.html" or child.name.endswith(atomic.TEMP_SUFFIX):
            child.unlink()
    link.rmdir()
